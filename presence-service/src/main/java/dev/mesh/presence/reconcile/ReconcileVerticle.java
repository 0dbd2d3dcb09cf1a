package dev.mesh.presence.reconcile;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.state.ChannelConnections;
import dev.mesh.common.presence.state.CountedConnections;
import dev.mesh.common.presence.state.TrackedConnection;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.ExpiryGate;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.ops.PresenceMetrics.Level;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-healing: every reconcile interval, and soon after a member joins (a split-brain merge shows
 * up as members joining), compares what presence counts with the registry, connection-service's
 * record of open connections:
 *
 * <ul>
 *   <li>a connection counted whose node is no longer a member, or which the registry no longer
 *       holds, is a ghost: it is closed through the grace path ({@code node-lost}), never straight
 *       to offline;
 *   <li>a channel member connection that its user's entry does not have in that channel is a ghost
 *       too: it leaves through the grace path;
 *   <li>a connection the registry holds, on a live node, that presence does not count (a lost
 *       {@code ConnectionOpened}, or a presence entry lost with a member that died while partitions
 *       were migrating) is counted again.
 * </ul>
 *
 * A ghost is acted on only when two consecutive passes find it: during the first, the close that
 * explains it may still be on its way. A missing connection is counted at once (an open is
 * idempotent and ignored once its close was seen), so a user connected anywhere reads {@code
 * online} within one reconcile interval at worst. Every action is an idempotent update, so two
 * instances reconciling at once do no harm. Only a quorate instance reconciles: the small side of a
 * split, or an instance that was paused, compares against a registry that is not the cluster's.
 * After this instance starts or regains quorum, a pass runs at once, and a completed pass begun
 * then lets expiry resume ({@link ExpiryGate}).
 */
public final class ReconcileVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReconcileVerticle.class);

  /**
   * How often to look for a loss of quorum and, once quorate again, whether held expiry awaits a
   * pass: often enough to see a pause's doubt, which lasts a failure-detection timeout.
   */
  private static final long HOLD_WATCH_MILLIS = 250;

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private final ExpiryGate gate;
  private PresenceStore store;
  private PresenceEffects effects;
  private MeshNode.Registration registration;
  private Map<Difference, RegistryEntry> suspects = Map.of();
  private boolean running;

  /**
   * One disagreement: {@code channel} null for the user level; {@code missing} when the registry
   * has it, not presence.
   */
  private record Difference(String userId, String connectionId, String channel, boolean missing) {}

  public ReconcileVerticle(
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
    vertx.setPeriodic(options.reconcileInterval().toMillis(), id -> pass());
    // Expiry holds after a start or a loss of quorum until a pass has run: run one once quorate.
    vertx.setPeriodic(
        Math.min(options.sweepInterval().toMillis(), HOLD_WATCH_MILLIS),
        id -> {
          if (gate.quorate() && gate.awaitingReconcile()) {
            pass();
          }
        });
    registration =
        node.onMembershipChange(
            change -> {
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
    long started = System.nanoTime();
    if (running || !gate.quorate()) {
      return;
    }
    running = true;
    Set<String> members = node.memberIds();
    store
        .counted()
        .compose(
            counted ->
                store
                    .registered()
                    .compose(
                        registered ->
                            store
                                .channelConnections()
                                .map(
                                    channels ->
                                        differences(counted, registered, channels, members))))
        .compose(this::actOnConfirmed)
        .onSuccess(
            counted -> {
              if (gate.quorate()) {
                gate.reconciled(started);
              }
            })
        .onFailure(e -> LOG.warn("event=reconcile-failed cause=\"{}\"", e.getMessage()))
        .onComplete(done -> running = false);
  }

  private static Map<Difference, RegistryEntry> differences(
      Collection<CountedConnections> counted,
      Map<String, List<RegistryEntry>> registered,
      Collection<ChannelConnections> channels,
      Set<String> members) {
    Map<Difference, RegistryEntry> found = new HashMap<>();
    Set<String> countedIds = new HashSet<>();
    Set<Difference> inChannels = new HashSet<>();
    for (CountedConnections user : counted) {
      Set<String> live = new HashSet<>();
      registered
          .getOrDefault(user.userId(), List.of())
          .forEach(entry -> live.add(entry.connectionId()));
      for (TrackedConnection connection : user.connections()) {
        countedIds.add(connection.connectionId());
        if (!members.contains(connection.nodeId()) || !live.contains(connection.connectionId())) {
          found.put(new Difference(user.userId(), connection.connectionId(), null, false), null);
        }
        connection
            .channels()
            .forEach(
                channel ->
                    inChannels.add(
                        new Difference(user.userId(), connection.connectionId(), channel, false)));
      }
    }
    for (ChannelConnections channel : channels) {
      channel
          .connectionsByUser()
          .forEach(
              (userId, connectionIds) ->
                  connectionIds.forEach(
                      connectionId -> {
                        Difference member =
                            new Difference(userId, connectionId, channel.channel(), false);
                        if (!inChannels.contains(member)) {
                          found.put(member, null);
                        }
                      }));
    }
    registered.forEach(
        (userId, entries) ->
            entries.forEach(
                entry -> {
                  if (!countedIds.contains(entry.connectionId())
                      && members.contains(entry.nodeId())) {
                    found.put(new Difference(userId, entry.connectionId(), null, true), entry);
                  }
                }));
    return found;
  }

  /** Completes once every missing connection is counted (what held expiry waits for). */
  private Future<Void> actOnConfirmed(Map<Difference, RegistryEntry> found) {
    Map<Difference, RegistryEntry> confirmed = new HashMap<>(found);
    confirmed.keySet().retainAll(suspects.keySet());
    found.forEach(
        (difference, entry) -> {
          if (difference.missing()) {
            confirmed.put(difference, entry);
          }
        });
    suspects = found;
    List<Future<?>> counting = new ArrayList<>();
    confirmed.forEach(
        (difference, entry) -> {
          if (difference.missing()) {
            counting.add(
                store
                    .open(entry.identity(), entry.openedAt())
                    .onSuccess(
                        outcome -> {
                          if (outcome.changed()) {
                            log("counted-again", difference);
                            metrics.reconciled(Level.USER, true);
                          }
                          effects.user(difference.userId(), outcome, null);
                        }));
          } else if (difference.channel() == null) {
            store
                .close(difference.userId(), difference.connectionId(), CloseReason.NODE_LOST)
                .onSuccess(
                    outcome -> {
                      if (outcome.changed()) {
                        log("ghost-closed", difference);
                        metrics.reconciled(Level.USER, false);
                      }
                      effects.user(difference.userId(), outcome, CloseReason.NODE_LOST);
                    });
          } else {
            store
                .leave(
                    difference.channel(),
                    difference.userId(),
                    difference.connectionId(),
                    CloseReason.NODE_LOST)
                .onSuccess(
                    outcome -> {
                      if (!outcome.changes().isEmpty()) {
                        log("ghost-left", difference);
                        metrics.reconciled(Level.CHANNEL, false);
                      }
                      effects.channel(difference.channel(), outcome);
                    });
          }
        });
    return Future.all(counting).mapEmpty();
  }

  private static void log(String what, Difference difference) {
    LOG.info(
        "event=reconciled action={} user={} connection={} channel={}",
        what,
        difference.userId(),
        difference.connectionId(),
        difference.channel());
  }
}
