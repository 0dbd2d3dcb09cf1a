package dev.mesh.connection.membership;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.connection.edge.Edge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An edge serves only while its node is quorate ({@link MeshNode#isQuorate()}): enough data members
 * in view and not paused past failure detection. When that stops being true, every socket is closed
 * with 1001 and a jittered retry hint (the clients reconnect, through the balancer, to a node that
 * is part of the cluster), and admission refuses new connections with 4005 until quorum returns.
 * Checked on every membership change and every second.
 */
public final class QuorumGuard {

  private static final Logger LOG = LoggerFactory.getLogger(QuorumGuard.class);
  static final long CHECK_MILLIS = 1000;

  private final Edge edge;
  private MeshNode.Registration membership;
  private long timer = -1;
  private boolean quorate = true;

  public QuorumGuard(Edge edge) {
    this.edge = edge;
  }

  public void start() {
    membership = edge.node().onMembershipChange(this::onChange);
    timer = edge.node().vertx().setPeriodic(CHECK_MILLIS, t -> check());
  }

  public void stop() {
    if (membership != null) {
      membership.remove();
    }
    if (timer >= 0) {
      edge.node().vertx().cancelTimer(timer);
    }
  }

  private void onChange(MembershipChange change) {
    check();
  }

  /** Closes every socket when quorum is lost (once per loss); logs when it returns. */
  void check() {
    String problem = edge.node().quorumProblem();
    if (problem == null) {
      if (!quorate) {
        LOG.info(
            "event=quorum-regained node={} dataMembers={}",
            edge.node().nodeId(),
            edge.node().dataMemberCount());
      }
      quorate = true;
      return;
    }
    int closed =
        edge.lifecycle()
            .closeAll(
                CloseReason.NETWORK_ERROR,
                "node is cut off from the cluster (" + problem + "): reconnect");
    if (quorate || closed > 0) {
      LOG.warn(
          "event=quorum-lost node={} cause=\"{}\" closedConnections={}",
          edge.node().nodeId(),
          problem,
          closed);
    }
    quorate = false;
  }
}
