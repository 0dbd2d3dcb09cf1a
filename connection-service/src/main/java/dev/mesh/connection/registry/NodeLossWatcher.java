package dev.mesh.connection.registry;

import com.hazelcast.core.LifecycleEvent;
import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.protocol.CloseCodes;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.connection.edge.Edge;
import dev.mesh.connection.session.Session;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Keeps the registry true to the sockets that exist. When a member leaves, its entries are purged and each is
 * reported closed with {@code node-lost} (by exactly one survivor: the purge is atomic per entry). When this node
 * comes back from a split (merged after being declared dead), the others have already purged its entries, so its
 * sockets are stale: they are closed with a reconnect hint instead of being resurrected. A periodic check compares
 * the registry entries naming this node with its open sockets (the ghost gauge).
 */
public final class NodeLossWatcher {

  private static final Logger LOG = LoggerFactory.getLogger(NodeLossWatcher.class);

  private final Edge edge;
  private final Context context;
  private MeshNode.Registration membership;
  private UUID lifecycle;
  private long consistencyTimer = -1;

  public NodeLossWatcher(Edge edge, Context context) {
    this.edge = edge;
    this.context = context;
  }

  public void start(long consistencyPeriodMillis) {
    MeshNode node = edge.node();
    membership = node.onMembershipChange(this::onChange);
    lifecycle = node.hazelcast().getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        context.runOnContext(v -> closeStaleAfterMerge());
      }
    });
    consistencyTimer = node.vertx().setPeriodic(consistencyPeriodMillis, t -> checkConsistency());
  }

  public void stop() {
    if (membership != null) {
      membership.remove();
    }
    if (lifecycle != null && edge.node().hazelcast().getLifecycleService().isRunning()) {
      edge.node().hazelcast().getLifecycleService().removeLifecycleListener(lifecycle);
    }
    if (consistencyTimer >= 0) {
      edge.node().vertx().cancelTimer(consistencyTimer);
    }
  }

  private void onChange(MembershipChange change) {
    // The event bus's view of the registrations shifts with membership: re-read channel tails once it settled.
    edge.node().vertx().setTimer(1_000, t -> edge.subscriptions().catchUpAll());
    if (change.kind() != MembershipChange.Kind.LEFT) {
      return;
    }
    edge.registry().purge(change.nodeId()).onSuccess(purged -> {
      for (RegistryEntry entry : purged) {
        edge.events().closed(entry.identity(), entry.transport(), entry.openedAt(), CloseReason.NODE_LOST, null);
      }
      if (!purged.isEmpty()) {
        LOG.info("event=node-purged node={} connections={}", change.nodeId(), purged.size());
      }
    }).onFailure(e -> LOG.error("event=node-purge-failed node={} cause=\"{}\"", change.nodeId(), e.getMessage()));
  }

  private void closeStaleAfterMerge() {
    int closed = 0;
    for (Session session : edge.sessions().all()) {
      if (session.isOpen()) {
        edge.lifecycle().close(session, CloseReason.NETWORK_ERROR, CloseCodes.GOING_AWAY,
            "node rejoined the cluster after a partition", true, edge.lifecycle().retryHint());
        closed++;
      }
    }
    LOG.warn("event=merged-after-split closedStaleConnections={}", closed);
  }

  public void checkConsistency() {
    edge.registry().countOwnEntries()
        .onSuccess(entries -> edge.metrics().consistency(entries, edge.sessions().size()))
        .onFailure(e -> LOG.debug("event=consistency-check-failed cause=\"{}\"", e.getMessage()));
  }
}
