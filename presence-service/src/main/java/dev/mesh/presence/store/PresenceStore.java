package dev.mesh.presence.store;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.ClusterFutures;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.presence.state.ChannelConnections;
import dev.mesh.common.presence.state.ChannelOutcome;
import dev.mesh.common.presence.state.ChannelState;
import dev.mesh.common.presence.state.ChannelView;
import dev.mesh.common.presence.state.CloseConnection;
import dev.mesh.common.presence.state.CloseNodeConnections;
import dev.mesh.common.presence.state.CountedConnections;
import dev.mesh.common.presence.state.ExpireChannel;
import dev.mesh.common.presence.state.ExpireUser;
import dev.mesh.common.presence.state.JoinChannel;
import dev.mesh.common.presence.state.LeaveChannel;
import dev.mesh.common.presence.state.OpenConnection;
import dev.mesh.common.presence.state.PresenceMaps;
import dev.mesh.common.presence.state.ReadChannel;
import dev.mesh.common.presence.state.ReadUser;
import dev.mesh.common.presence.state.Timing;
import dev.mesh.common.presence.state.TrackChannel;
import dev.mesh.common.presence.state.UserOutcome;
import dev.mesh.common.presence.state.UserState;
import dev.mesh.common.presence.state.UserTally;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UserConnections;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;

/**
 * presence's Hazelcast maps, seen from one verticle: every call returns a {@link Future} completed
 * on that verticle's context. Single-key updates use Hazelcast's async API; the few calls Hazelcast
 * only offers synchronously (those spanning every partition: node loss, sweeps, tallies,
 * reconciliation reads) run on a worker thread.
 */
public final class PresenceStore {

  private final Context context;
  private final IMap<String, UserState> users;
  private final IMap<String, ChannelState> channels;
  private final IMap<String, UserConnections> registry;
  private final Timing timing;

  public PresenceStore(HazelcastInstance hazelcast, Context context, Timing timing) {
    this.context = context;
    this.users = PresenceMaps.users(hazelcast);
    this.channels = PresenceMaps.channels(hazelcast);
    this.registry = Registry.users(hazelcast);
    this.timing = timing;
  }

  /**
   * Adds the maps' configuration (backups, index) cluster-wide before anything uses them
   * (idempotent), and creates their proxies, which may talk to other members, so that later
   * look-ups on event loops are local.
   */
  public static Future<Void> configure(Vertx vertx, HazelcastInstance hazelcast) {
    return vertx.executeBlocking(
        () -> {
          PresenceMaps.configs().forEach(config -> hazelcast.getConfig().addMapConfig(config));
          PresenceMaps.users(hazelcast);
          PresenceMaps.channels(hazelcast);
          Registry.users(hazelcast);
          return null;
        },
        false);
  }

  public Future<UserOutcome> open(ConnectionIdentity identity, Instant openedAt) {
    long now = System.currentTimeMillis();
    return async(
        users.submitToKey(
            identity.userId(), new OpenConnection(identity, openedAt.toEpochMilli(), now, timing)));
  }

  public Future<UserOutcome> close(String userId, String connectionId, CloseReason reason) {
    return async(
        users.submitToKey(
            userId, new CloseConnection(connectionId, reason, System.currentTimeMillis(), timing)));
  }

  /** Fires a user's deadline if due; null when nothing was due (or another instance fired it). */
  public Future<UserOutcome> expireUser(String userId) {
    return async(users.submitToKey(userId, new ExpireUser(System.currentTimeMillis(), timing)));
  }

  /** Closes as node-lost every connection of a node that left; the users affected. */
  public Future<Map<String, UserOutcome>> nodeLost(String nodeId) {
    return blocking(
        () ->
            users.executeOnEntries(
                new CloseNodeConnections(nodeId, System.currentTimeMillis(), timing)));
  }

  /** Fires every due user deadline; the users whose deadline this call fired. */
  public Future<Map<String, UserOutcome>> sweepUsers() {
    return blocking(
        () -> {
          long now = System.currentTimeMillis();
          return users.executeOnEntries(new ExpireUser(now, timing), PresenceMaps.dueBy(now));
        });
  }

  public Future<Map<String, ChannelOutcome>> sweepChannels() {
    return blocking(
        () -> {
          long now = System.currentTimeMillis();
          return channels.executeOnEntries(new ExpireChannel(now, timing), PresenceMaps.dueBy(now));
        });
  }

  public Future<ChannelOutcome> expireChannel(String channel) {
    return async(
        channels.submitToKey(channel, new ExpireChannel(System.currentTimeMillis(), timing)));
  }

  public Future<TrackChannel.Result> track(
      ConnectionIdentity identity, String channel, boolean member) {
    return async(
        users.submitToKey(
            identity.userId(),
            new TrackChannel(identity, channel, member, System.currentTimeMillis(), timing)));
  }

  public Future<ChannelOutcome> join(
      String channel, ConnectionIdentity identity, String info, int maxMembers, int viewLimit) {
    return async(
        channels.submitToKey(
            channel,
            new JoinChannel(
                identity.userId(),
                identity.connectionId(),
                info,
                maxMembers,
                viewLimit,
                System.currentTimeMillis(),
                timing)));
  }

  /**
   * A connection leaves a channel: explicitly when {@code reason} is null, else because it closed.
   */
  public Future<ChannelOutcome> leave(
      String channel, String userId, String connectionId, CloseReason reason) {
    return async(
        channels.submitToKey(
            channel,
            new LeaveChannel(userId, connectionId, reason, System.currentTimeMillis(), timing)));
  }

  /** The presence of each user asked, in the order asked (an unknown user is offline). */
  public Future<List<UserPresence>> users(List<String> userIds) {
    Set<String> keys = new LinkedHashSet<>(userIds);
    return async(users.submitToKeys(keys, new ReadUser()))
        .map(
            found ->
                userIds.stream()
                    .map(
                        id ->
                            found.get(id) == null
                                ? UserPresence.unknown(id)
                                : found.get(id).view(id))
                    .toList());
  }

  public Future<ChannelView> channel(String channel, int limit) {
    return async(channels.submitToKey(channel, new ReadChannel(limit)));
  }

  public Future<UserTally.Counts> tally() {
    return blocking(() -> users.aggregate(new UserTally()));
  }

  /** Every user with connections, and those connections (for reconciliation). */
  public Future<Collection<CountedConnections>> counted() {
    return blocking(
        () -> users.project(CountedConnections.projection(), CountedConnections.withConnections()));
  }

  /** Every channel with members, and their connections (for reconciliation). */
  public Future<Collection<ChannelConnections>> channelConnections() {
    return blocking(
        () -> channels.project(ChannelConnections.projection(), ChannelConnections.withMembers()));
  }

  /** Every connection the registry holds, by user (what connection-service says is open). */
  public Future<Map<String, List<RegistryEntry>>> registered() {
    return blocking(
        () -> {
          Map<String, List<RegistryEntry>> result = new HashMap<>();
          registry.entrySet().forEach(e -> result.put(e.getKey(), e.getValue().connections()));
          return result;
        });
  }

  private <T> Future<T> async(CompletionStage<T> stage) {
    return ClusterFutures.on(context, stage);
  }

  private <T> Future<T> blocking(Callable<T> call) {
    return context.executeBlocking(call, false);
  }
}
