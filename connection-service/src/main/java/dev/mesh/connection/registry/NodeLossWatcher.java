package dev.mesh.connection.registry;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.connection.lifecycle.ConnectionEvents;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges the registry entries of a member that left, and reports each as closed with {@code
 * node-lost} (by exactly one survivor: the purge is atomic per entry). Only a quorate node purges,
 * and only a node id that is not a member in its current view: a node that was paused, or that sits
 * on the small side of a split, sees live members "leave" and must not erase their connections. A
 * departure seen while not quorate is purged once quorum returns, if the node is still gone.
 */
public final class NodeLossWatcher {

  private static final Logger LOG = LoggerFactory.getLogger(NodeLossWatcher.class);

  private final MeshNode node;
  private final RegistryClient registry;
  private final ConnectionEvents events;
  private final Runnable catchUpChannels;
  private final Set<String> pending = new LinkedHashSet<>();
  private MeshNode.Registration membership;
  private long timer = -1;

  /**
   * {@code registry} and {@code events} are those of the loop it runs on; {@code catchUpChannels}
   * re-reads the tails of the loop's channels.
   */
  public NodeLossWatcher(
      MeshNode node, RegistryClient registry, ConnectionEvents events, Runnable catchUpChannels) {
    this.node = node;
    this.registry = registry;
    this.events = events;
    this.catchUpChannels = catchUpChannels;
  }

  public void start() {
    membership = node.onMembershipChange(this::onChange);
    timer = node.vertx().setPeriodic(1_000, t -> purgePending());
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
    // The event bus's view of the registrations shifts with membership: re-read channel tails once
    // it settled.
    node.vertx().setTimer(1_000, t -> catchUpChannels.run());
    if (change.kind() == MembershipChange.Kind.LEFT) {
      pending.add(change.nodeId());
      purgePending();
    }
  }

  private void purgePending() {
    if (pending.isEmpty() || !node.isQuorate()) {
      return;
    }
    Set<String> members = node.memberIds();
    for (String nodeId : Set.copyOf(pending)) {
      pending.remove(nodeId);
      if (members.contains(nodeId)) {
        LOG.info(
            "event=node-purge-skipped node={} cause=\"a member again in this node's view\"",
            nodeId);
        continue;
      }
      purge(nodeId);
    }
  }

  private void purge(String nodeId) {
    registry
        .purge(nodeId)
        .onSuccess(
            purged -> {
              for (RegistryEntry entry : purged) {
                events.closed(
                    entry.identity(),
                    entry.transport(),
                    entry.openedAt(),
                    CloseReason.NODE_LOST,
                    null);
              }
              if (!purged.isEmpty()) {
                LOG.info("event=node-purged node={} connections={}", nodeId, purged.size());
              }
            })
        .onFailure(
            e -> {
              LOG.warn(
                  "event=node-purge-failed node={} cause=\"{}\" (retried)", nodeId, e.getMessage());
              pending.add(nodeId);
            });
  }
}
