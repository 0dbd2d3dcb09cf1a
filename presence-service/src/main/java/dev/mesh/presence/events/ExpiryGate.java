package dev.mesh.presence.events;

import dev.mesh.common.cluster.MeshNode;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this presence instance may make users and channels offline now. An expiry acts on what
 * presence counted, and an instance that was not quorate (cut off, or paused and perhaps removed
 * from the cluster) may have missed the {@code ConnectionOpened} events its users' pages published
 * meanwhile: only reconciliation recovers those, from the registry. So expiry holds while the
 * instance is not quorate and, after that (and after the instance starts), until a reconcile pass
 * begun since has counted the registry's live connections. A held deadline stays in its entry, so
 * the sweep fires it once the gate opens, unless the user came back.
 *
 * <p>Shared by the verticles of one deployment, which run on different event loops.
 */
public final class ExpiryGate {

  private static final Logger LOG = LoggerFactory.getLogger(ExpiryGate.class);

  private final MeshNode node;

  /** System.nanoTime when this instance was last seen not quorate (or was created). */
  private final AtomicLong doubtedAt;

  /** System.nanoTime when the latest completed reconcile pass began. */
  private final AtomicLong reconciledFrom;

  private volatile boolean held = true;

  public ExpiryGate(MeshNode node) {
    this.node = node;
    long now = System.nanoTime();
    this.doubtedAt = new AtomicLong(now);
    this.reconciledFrom = new AtomicLong(now - 1);
  }

  /** Whether an expiry may fire now; notes a loss of quorum as it asks. */
  public boolean open() {
    return quorate() && !awaitingReconcile();
  }

  /** Whether this instance is quorate; when not, expiry holds until a later reconcile pass. */
  public boolean quorate() {
    String problem = node.quorumProblem();
    if (problem == null) {
      return true;
    }
    doubtedAt.accumulateAndGet(System.nanoTime(), ExpiryGate::later);
    if (!held) {
      held = true;
      LOG.warn("event=expiry-held cause=\"{}\": until quorate and reconciled", problem);
    }
    return false;
  }

  /** Whether expiry waits for a reconcile pass that begins after the last loss of quorum. */
  public boolean awaitingReconcile() {
    return reconciledFrom.get() - doubtedAt.get() <= 0;
  }

  /** A reconcile pass begun at {@code startedNanos} has counted every live registry connection. */
  public void reconciled(long startedNanos) {
    reconciledFrom.accumulateAndGet(startedNanos, ExpiryGate::later);
    if (held && !awaitingReconcile()) {
      held = false;
      LOG.info("event=expiry-resumed: quorate and reconciled");
    }
  }

  private static long later(long a, long b) {
    return a - b >= 0 ? a : b;
  }
}
