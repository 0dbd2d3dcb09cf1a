package dev.mesh.replay.store;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.ClusterFutures;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.store.AckCursors;
import dev.mesh.common.replay.store.AckMark;
import dev.mesh.common.replay.store.AdvanceAck;
import dev.mesh.common.replay.store.AppendEvent;
import dev.mesh.common.replay.store.AppendResult;
import dev.mesh.common.replay.store.ChannelLog;
import dev.mesh.common.replay.store.ChannelPolicy;
import dev.mesh.common.replay.store.Epochs;
import dev.mesh.common.replay.store.ReadCritical;
import dev.mesh.common.replay.store.ReadEvents;
import dev.mesh.common.replay.store.ReadResult;
import dev.mesh.common.replay.store.ReplayMaps;
import dev.mesh.common.replay.store.ReserveCreation;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Channel logs and acks in Hazelcast, through the async API only: each call returns a future
 * completed on the context given at construction (the owning verticle's), never blocking its event
 * loop.
 */
public final class ChannelStore {

  private final HazelcastInstance hazelcast;
  private final Context context;

  public ChannelStore(HazelcastInstance hazelcast, Context context) {
    this.hazelcast = hazelcast;
    this.context = context;
  }

  /**
   * Declares the replay maps' configuration cluster-wide (a blocking call, so on a worker).
   * Identical declarations from several replay nodes are fine; a different backup count than the
   * running cluster's fails the start.
   */
  public static Future<Void> configure(Vertx vertx, HazelcastInstance hazelcast, int backups) {
    return vertx.executeBlocking(
        () -> {
          Config config = hazelcast.getConfig();
          config.addMapConfig(ReplayMaps.channelsConfig(backups));
          config.addMapConfig(ReplayMaps.acksConfig(backups));
          config.addMapConfig(ReplayMaps.creatorsConfig(backups));
          return null;
        });
  }

  private IMap<String, ChannelLog> channels() {
    // Looked up per call: a destroyed map is recreated on next use, a cached proxy would not be.
    return ReplayMaps.channels(hazelcast);
  }

  /**
   * Runs a Hazelcast call and completes on the caller's context when it is a duplicate of this
   * verticle's (a message or request being handled, same event loop), else on this verticle's
   * context: a duplicate carries the request's trace, so what the caller does next (announce an
   * event on the bus) stays in the same trace. A call that throws at once (e.g. the member's
   * Hazelcast is no longer active) becomes a failed future too, so that every request gets its
   * error reply.
   */
  private <T> Future<T> bridge(java.util.function.Supplier<CompletionStage<T>> call) {
    ContextInternal current = ContextInternal.current();
    Context target = current != null && current.unwrap() == context ? current : context;
    try {
      return ClusterFutures.on(target, call.get());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  public Future<AppendResult> append(
      String channel,
      String id,
      String publisher,
      String json,
      boolean critical,
      ChannelPolicy policy) {
    return append(channel, id, publisher, json, critical, null, null, true, policy);
  }

  /**
   * Appends with the attested publisher; with {@code mayCreate} false a channel that has no log
   * gets nothing and the result is null (the caller checks the user's channel-creation limit first,
   * then appends again allowed to create).
   */
  public Future<AppendResult> append(
      String channel,
      String id,
      String publisher,
      String json,
      boolean critical,
      String userId,
      String connectionId,
      boolean mayCreate,
      ChannelPolicy policy) {
    return bridge(
        () ->
            channels()
                .submitToKey(
                    channel,
                    new AppendEvent(
                        id,
                        publisher,
                        json,
                        critical,
                        System.currentTimeMillis(),
                        Epochs.next(),
                        policy,
                        userId,
                        connectionId,
                        mayCreate)));
  }

  /**
   * Counts one channel created by {@code userId}; false when the user is at {@code limit} in the
   * current window.
   */
  public Future<Boolean> reserveCreation(String userId, int limit, long windowMillis) {
    return bridge(
        () ->
            ReplayMaps.creators(hazelcast)
                .submitToKey(
                    userId, new ReserveCreation(limit, windowMillis, System.currentTimeMillis())));
  }

  /**
   * Events after {@code after} (null: from the oldest retained). A channel without a log stays
   * without one: the answer is {@link ReadResult#noHistory} (epoch {@link Position#UNBORN_EPOCH}),
   * so reads create no state.
   */
  public Future<ReadResult> read(String channel, Position after, int limit, ChannelPolicy policy) {
    ReadEvents read =
        new ReadEvents(
            after == null ? null : after.epoch(),
            after == null ? 0 : after.seq(),
            limit,
            System.currentTimeMillis(),
            policy);
    return bridge(() -> channels().submitToKey(channel, read))
        .map(
            result ->
                result != null
                    ? result
                    : ReadResult.noHistory(
                        after == null ? null : after.epoch(), after == null ? 0 : after.seq()));
  }

  /**
   * The user's ack that counts (see {@link #epochToPick}; null: none) and the critical events after
   * it; {@code events} null if the channel has no log.
   */
  public record Pending(AckMark ack, ReadResult events) {

    /** The acked seq in the log's epoch (0 when the ack is of another epoch, or absent). */
    public long ackedSeq() {
      return ack != null && events != null && ack.epoch().equals(events.epoch()) ? ack.seq() : 0;
    }
  }

  /** Critical events not yet acknowledged by the user (and after {@code after} if given). */
  public Future<Pending> pendingCritical(
      String userId, String channel, Position after, int limit, ChannelPolicy policy) {
    IMap<String, Object> acks = ReplayMaps.acks(hazelcast);
    return bridge(() -> acks.getAsync(ReplayMaps.ackKey(userId, channel)))
        .map(AckCursors::from)
        .compose(
            cursors ->
                epochToPick(channel, cursors == null ? List.of() : List.of(cursors), policy)
                    .map(epoch -> pick(cursors, epoch)))
        .compose(
            ack ->
                bridge(
                        () ->
                            channels()
                                .submitToKey(
                                    channel,
                                    new ReadCritical(
                                        ack,
                                        after == null ? null : after.epoch(),
                                        after == null ? 0 : after.seq(),
                                        limit,
                                        System.currentTimeMillis(),
                                        policy)))
                    .map(events -> new Pending(ack, events)));
  }

  /**
   * The epoch whose cursor counts for each of these users of one channel, or null when no read
   * needs to know it: while each user has cursors of one epoch at most (the usual case), that
   * cursor is passed on as it is, and the reads count it only when it is of the epoch they find
   * (one of another epoch counts as 0, as no cursor does). When some user has cursors of several
   * epochs, the channel's current epoch is read from its head; when the channel has no history it
   * is null, and the most recently written cursor is picked, which does not matter: the read that
   * follows finds no log, and nothing is owed.
   */
  private Future<String> epochToPick(
      String channel, Collection<AckCursors> all, ChannelPolicy policy) {
    for (AckCursors cursors : all) {
      if (cursors.marks().size() > 1) {
        return head(channel, policy).map(head -> head == null ? null : head.epoch());
      }
    }
    return Future.succeededFuture(null);
  }

  /**
   * The cursor that counts among a user's {@code cursors}: the one of {@code epoch} (null: none in
   * it), or with no epoch given the most recently written one.
   */
  private static AckMark pick(AckCursors cursors, String epoch) {
    if (cursors == null) {
      return null;
    }
    return epoch == null ? cursors.latest() : cursors.in(epoch);
  }

  /** The channel's epoch and head (no events), or null when it has no log; creates nothing. */
  public Future<ReadResult> head(String channel, ChannelPolicy policy) {
    return bridge(
        () ->
            channels()
                .submitToKey(
                    channel, new ReadEvents(null, 0, 0, System.currentTimeMillis(), policy)));
  }

  /** Moves the user's ack forward (see {@link AdvanceAck}); returns the stored mark. */
  public Future<AckMark> ack(
      String userId, String channel, AckMark ack, long ttlMillis, boolean initial) {
    IMap<String, Object> acks = ReplayMaps.acks(hazelcast);
    return bridge(
        () ->
            acks.submitToKey(
                ReplayMaps.ackKey(userId, channel), new AdvanceAck(ack, ttlMillis, initial)));
  }

  /**
   * Opens the cursors of many users of one channel at once (see {@link AdvanceAck} with {@code
   * initial}): one {@code submitToKeys} per distinct position. Returns each user's stored mark.
   */
  public Future<Map<String, AckMark>> openAcks(
      String channel, Map<String, AckMark> at, long ttlMillis) {
    IMap<String, Object> acks = ReplayMaps.acks(hazelcast);
    Map<AckMark, Set<String>> byMark = new HashMap<>();
    at.forEach(
        (userId, mark) ->
            byMark
                .computeIfAbsent(mark, m -> new HashSet<>())
                .add(ReplayMaps.ackKey(userId, channel)));
    List<Future<Map<String, AckMark>>> opened = new ArrayList<>();
    byMark.forEach(
        (mark, keys) ->
            opened.add(
                bridge(() -> acks.submitToKeys(keys, new AdvanceAck(mark, ttlMillis, true)))));
    return Future.all(opened)
        .map(
            all -> {
              Map<String, AckMark> byUser = new HashMap<>();
              for (Future<Map<String, AckMark>> each : opened) {
                each.result().forEach((key, mark) -> byUser.put(userOf(key, channel), mark));
              }
              return byUser;
            });
  }

  /**
   * The cursors of many users of one channel, each the one of the channel's current epoch when a
   * user has cursors of several epochs (see {@link #epochToPick}); a user without one is absent
   * from the map.
   */
  public Future<Map<String, AckMark>> acksInCurrentEpoch(
      String channel, Set<String> userIds, ChannelPolicy policy) {
    return cursors(channel, userIds)
        .compose(
            byUser ->
                epochToPick(channel, byUser.values(), policy).map(epoch -> pick(byUser, epoch)));
  }

  /**
   * The cursors of many users of one channel in {@code epoch}, the channel's current one as the
   * caller read it from its head (null: the channel has no history, and each user's most recently
   * written cursor is given, which does not matter: a read after it finds no log); a user without
   * one in that epoch is absent from the map.
   */
  public Future<Map<String, AckMark>> acksIn(String channel, Set<String> userIds, String epoch) {
    return cursors(channel, userIds).map(byUser -> pick(byUser, epoch));
  }

  private static Map<String, AckMark> pick(Map<String, AckCursors> byUser, String epoch) {
    Map<String, AckMark> picked = new HashMap<>();
    byUser.forEach(
        (userId, cursors) -> {
          AckMark mark = pick(cursors, epoch);
          if (mark != null) {
            picked.put(userId, mark);
          }
        });
    return picked;
  }

  /** Every cursor of many users of one channel (a user without any is absent from the map). */
  private Future<Map<String, AckCursors>> cursors(String channel, Set<String> userIds) {
    IMap<String, Object> acks = ReplayMaps.acks(hazelcast);
    Map<String, Future<AckCursors>> reads = new HashMap<>();
    for (String userId : userIds) {
      reads.put(
          userId,
          bridge(() -> acks.getAsync(ReplayMaps.ackKey(userId, channel))).map(AckCursors::from));
    }
    return Future.all(new ArrayList<>(reads.values()))
        .map(
            all -> {
              Map<String, AckCursors> byUser = new HashMap<>();
              reads.forEach(
                  (userId, read) -> {
                    if (read.result() != null) {
                      byUser.put(userId, read.result());
                    }
                  });
              return byUser;
            });
  }

  /**
   * The retained critical events after {@code ack} (null: all), at most {@code limit}; null when
   * the channel has no log.
   */
  public Future<ReadResult> criticalAfter(
      String channel, AckMark ack, int limit, ChannelPolicy policy) {
    return bridge(
        () ->
            channels()
                .submitToKey(
                    channel,
                    new ReadCritical(ack, null, 0, limit, System.currentTimeMillis(), policy)));
  }

  private static String userOf(String ackKey, String channel) {
    return ackKey.substring(0, ackKey.length() - channel.length() - 1);
  }
}
