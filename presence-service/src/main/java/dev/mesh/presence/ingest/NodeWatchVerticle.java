package dev.mesh.presence.ingest;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.ExpiryGate;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a member leaves the cluster, closes every connection it held as {@code node-lost} (the grace
 * path, never straight offline). Surviving connection nodes report the same closes; both are
 * idempotent, so a connection closed twice counts once, and presence does not depend on any
 * connection node surviving.
 *
 * <p>Only while this node is quorate, and only for a node id that is not a member in its current
 * view: a presence instance that was paused, or sits on the small side of a split, sees live
 * members leave and must not declare their users lost. A departure seen while not quorate is acted
 * on once quorum returns, if the node is still gone (a restarted node comes back under a new id, so
 * its old id never returns).
 */
public final class NodeWatchVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NodeWatchVerticle.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private final ExpiryGate gate;
  private PresenceStore store;
  private PresenceEffects effects;
  private MeshNode.Registration registration;
  private final Set<String> pending = new LinkedHashSet<>();
  private long timer = -1;

  public NodeWatchVerticle(
      MeshNode node, PresenceOptions options, PresenceMetrics metrics, ExpiryGate gate) {
    this.node = node;
    this.options = options;
    this.metrics = metrics;
    this.gate = gate;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    effects = new PresenceEffects(vertx, store, metrics, gate);
    registration = node.onMembershipChange(this::onChange);
    timer = vertx.setPeriodic(1_000, t -> lostPending());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    registration.remove();
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void onChange(MembershipChange change) {
    if (change.kind() == MembershipChange.Kind.LEFT) {
      pending.add(change.nodeId());
      lostPending();
    }
  }

  private void lostPending() {
    if (pending.isEmpty() || !node.isQuorate()) {
      return;
    }
    Set<String> members = node.memberIds();
    for (String nodeId : Set.copyOf(pending)) {
      pending.remove(nodeId);
      if (members.contains(nodeId)) {
        LOG.info("event=node-lost-ignored node={} cause=\"a member in this node's view\"", nodeId);
      } else {
        lost(nodeId);
      }
    }
  }

  private void lost(String nodeId) {
    long started = System.nanoTime();
    store
        .nodeLost(nodeId)
        .onSuccess(
            affected -> {
              affected.forEach(
                  (userId, outcome) -> effects.user(userId, outcome, CloseReason.NODE_LOST));
              if (!affected.isEmpty()) {
                LOG.info(
                    "event=node-lost node={} users={} millis={}",
                    nodeId,
                    affected.size(),
                    (System.nanoTime() - started) / 1_000_000);
              }
            })
        .onFailure(
            e -> {
              LOG.warn(
                  "event=node-lost-failed node={} cause=\"{}\" (retried)", nodeId, e.getMessage());
              pending.add(nodeId);
            });
  }
}
