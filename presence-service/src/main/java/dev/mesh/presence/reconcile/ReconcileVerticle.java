package dev.mesh.presence.reconcile;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.state.ChannelConnections;
import dev.mesh.common.presence.state.CountedConnections;
import dev.mesh.common.presence.state.TrackedConnection;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.ops.PresenceMetrics.Level;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Self-healing: every reconcile interval, and soon after a member joins (a split-brain merge shows up as members
 * joining), compares what presence counts with the truth. A connection counted for a user whose node is no longer a
 * member or which the registry no longer holds, and a channel member connection its user no longer has in that
 * channel, is a ghost. A ghost is removed only when two consecutive passes find it (a close event may still be on its
 * way during the first), through the grace path ({@code node-lost}), never straight to offline.
 */
public final class ReconcileVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReconcileVerticle.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private PresenceStore store;
  private PresenceEffects effects;
  private MeshNode.Registration registration;
  private Set<Ghost> suspects = Set.of();
  private boolean running;

  /** A connection counted by presence that may not exist: {@code channel} null for the user-level count. */
  private record Ghost(String userId, String connectionId, String channel) {
  }

  public ReconcileVerticle(MeshNode node, PresenceOptions options, PresenceMetrics metrics) {
    this.node = node;
    this.options = options;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    effects = new PresenceEffects(vertx, store, metrics);
    vertx.setPeriodic(options.reconcileInterval().toMillis(), id -> pass());
    registration = node.onMembershipChange(change -> {
      if (change.kind() == MembershipChange.Kind.JOINED) {
        vertx.setTimer(options.sweepInterval().toMillis(), id -> pass());
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    registration.remove();
    return Future.succeededFuture();
  }

  private void pass() {
    if (running) {
      return;
    }
    running = true;
    Set<String> members = node.memberIds();
    store.counted()
        .compose(counted -> store.registered(counted.stream().map(CountedConnections::userId).toList())
            .compose(registered -> store.channelConnections()
                .map(channels -> ghosts(counted, registered, channels, members))))
        .onSuccess(this::removeConfirmed)
        .onFailure(e -> LOG.warn("event=reconcile-failed cause=\"{}\"", e.getMessage()))
        .onComplete(done -> running = false);
  }

  private static Set<Ghost> ghosts(Collection<CountedConnections> counted, Map<String, Set<String>> registered,
                                   Collection<ChannelConnections> channels, Set<String> members) {
    Set<Ghost> found = new HashSet<>();
    Set<Ghost> tracked = new HashSet<>();
    for (CountedConnections user : counted) {
      Set<String> live = registered.getOrDefault(user.userId(), Set.of());
      for (TrackedConnection connection : user.connections()) {
        if (!members.contains(connection.nodeId()) || !live.contains(connection.connectionId())) {
          found.add(new Ghost(user.userId(), connection.connectionId(), null));
        }
        connection.channels().forEach(channel ->
            tracked.add(new Ghost(user.userId(), connection.connectionId(), channel)));
      }
    }
    for (ChannelConnections channel : channels) {
      channel.connectionsByUser().forEach((userId, connectionIds) -> connectionIds.forEach(connectionId -> {
        Ghost member = new Ghost(userId, connectionId, channel.channel());
        if (!tracked.contains(member)) {
          found.add(member);
        }
      }));
    }
    return found;
  }

  private void removeConfirmed(Set<Ghost> found) {
    Set<Ghost> confirmed = new HashSet<>(found);
    confirmed.retainAll(suspects);
    suspects = found;
    for (Ghost ghost : confirmed) {
      LOG.info("event=ghost-removed user={} connection={} channel={}", ghost.userId(), ghost.connectionId(),
          ghost.channel());
      if (ghost.channel() == null) {
        metrics.reconciled(Level.USER);
        store.close(ghost.userId(), ghost.connectionId(), CloseReason.NODE_LOST)
            .onSuccess(outcome -> effects.user(ghost.userId(), outcome, CloseReason.NODE_LOST));
      } else {
        metrics.reconciled(Level.CHANNEL);
        store.leave(ghost.channel(), ghost.userId(), ghost.connectionId(), CloseReason.NODE_LOST)
            .onSuccess(outcome -> effects.channel(ghost.channel(), outcome));
      }
    }
  }
}
