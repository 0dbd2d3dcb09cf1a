package dev.mesh.connection.membership;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.connection.edge.LoopSessions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An edge serves only while its node is quorate ({@link MeshNode#isQuorate()}): enough data members
 * in view and not paused past failure detection. When that stops being true, admission refuses new
 * connections with 4005 at once; the open sockets are closed with 1001 and a jittered retry hint
 * (the clients reconnect, through the balancer, to a node that is part of the cluster) once the
 * loss has lasted {@code MESH_QUORUM_LOSS_GRACE}, or at once when the node itself was paused or is
 * not joined (its sockets are stale). The grace is there because a member's heartbeats can go
 * uncredited for a moment while a new master takes over: chaos scenario 7 saw both edges count a
 * live replay member silent for about a second and close every socket. Checked on every membership
 * change and every second.
 */
public final class QuorumGuard {

  private static final Logger LOG = LoggerFactory.getLogger(QuorumGuard.class);
  static final long CHECK_MILLIS = 1000;

  private final MeshNode node;
  private final LoopSessions sessions;
  private final long graceNanos;
  private MeshNode.Registration membership;
  private long timer = -1;

  /** When the current loss of quorum began (System.nanoTime), or 0 while quorate. */
  private long lostAtNanos;

  /** Sockets closed since then, for the log line when quorum returns. */
  private int closedSinceLost;

  /** Guards one loop's {@code sessions}; {@code grace} is {@code MESH_QUORUM_LOSS_GRACE}. */
  public QuorumGuard(MeshNode node, Duration grace, LoopSessions sessions) {
    this.node = node;
    this.sessions = sessions;
    this.graceNanos = grace.toNanos();
  }

  public void start() {
    membership = node.onMembershipChange(this::onChange);
    timer = node.vertx().setPeriodic(CHECK_MILLIS, t -> check());
  }

  public void stop() {
    if (membership != null) {
      membership.remove();
    }
    if (timer >= 0) {
      node.vertx().cancelTimer(timer);
    }
  }

  private void onChange(MembershipChange change) {
    check();
  }

  /**
   * Notes a loss of quorum, closes every socket once it has lasted the grace (or at once for this
   * node's own pause), and logs when quorum returns.
   */
  void check() {
    String problem = node.quorumProblem();
    long now = System.nanoTime();
    if (problem == null) {
      if (lostAtNanos != 0) {
        LOG.info(
            "event=quorum-regained node={} dataMembers={} lostMillis={} closedConnections={}",
            node.nodeId(),
            node.dataMemberCount(),
            (now - lostAtNanos) / 1_000_000,
            closedSinceLost);
      }
      lostAtNanos = 0;
      closedSinceLost = 0;
      return;
    }
    boolean ownFault = node.ownQuorumProblem() != null;
    if (lostAtNanos == 0) {
      lostAtNanos = now;
      LOG.warn(
          "event=quorum-lost node={} cause=\"{}\" {}",
          node.nodeId(),
          problem,
          ownFault || graceNanos == 0
              ? "closing open sockets now"
              : "closing open sockets in " + graceNanos / 1_000_000 + " ms unless it returns");
      if (!ownFault && graceNanos > 0) {
        // Checked again when the grace ends, not at the next periodic check up to a second later.
        node.vertx().setTimer((graceNanos + 999_999) / 1_000_000, t -> check());
      }
    }
    if (!ownFault && now - lostAtNanos < graceNanos) {
      return;
    }
    int closed =
        sessions.closeAll(
            CloseReason.NETWORK_ERROR,
            "node is cut off from the cluster (" + problem + "): reconnect");
    if (closed > 0) {
      closedSinceLost += closed;
      LOG.warn(
          "event=quorum-lost-sockets-closed node={} cause=\"{}\" closedConnections={}",
          node.nodeId(),
          problem,
          closed);
    }
  }
}
