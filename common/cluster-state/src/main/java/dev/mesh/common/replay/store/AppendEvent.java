package dev.mesh.common.replay.store;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Appends one event to a channel's log, creating the log with {@code newEpoch} if the channel has
 * none (first use, or its history was lost) and {@code mayCreate} allows it; without that
 * permission, a channel with no log gets nothing and the result is null (the caller first checks
 * the publisher's channel-creation limit, {@link ReserveCreation}). Returns the original position
 * instead when the same publisher's same message id is within the dedupe window (so a run repeated
 * by Hazelcast after a member left is harmless too). The entry's time-to-live is renewed to the
 * policy's idle time on every append. The event carries the attested publisher ({@code userId},
 * {@code connectionId}).
 */
public final class AppendEvent implements EntryProcessor<String, ChannelLog, AppendResult> {

  final String id;
  final String publisher;
  final String json;
  final boolean critical;
  final long nowMillis;
  final String newEpoch;
  final ChannelPolicy policy;
  final String userId;
  final String connectionId;
  final boolean mayCreate;

  public AppendEvent(
      String id,
      String publisher,
      String json,
      boolean critical,
      long nowMillis,
      String newEpoch,
      ChannelPolicy policy) {
    this(id, publisher, json, critical, nowMillis, newEpoch, policy, null, null, true);
  }

  public AppendEvent(
      String id,
      String publisher,
      String json,
      boolean critical,
      long nowMillis,
      String newEpoch,
      ChannelPolicy policy,
      String userId,
      String connectionId,
      boolean mayCreate) {
    this.id = id;
    this.publisher = publisher;
    this.json = json;
    this.critical = critical;
    this.nowMillis = nowMillis;
    this.newEpoch = newEpoch;
    this.policy = policy;
    this.userId = userId;
    this.connectionId = connectionId;
    this.mayCreate = mayCreate;
  }

  @Override
  public AppendResult process(Map.Entry<String, ChannelLog> entry) {
    if (entry.getValue() == null && !mayCreate) {
      return null;
    }
    ChannelLog log = entry.getValue() == null ? new ChannelLog(newEpoch) : entry.getValue();
    AppendResult result =
        log.append(
            id, publisher + " " + id, json, critical, userId, connectionId, nowMillis, policy);
    if (!result.duplicate() || entry.getValue() == null) {
      ((ExtendedMapEntry<String, ChannelLog>) entry)
          .setValue(log, policy.idleMillis(), TimeUnit.MILLISECONDS);
    }
    return result;
  }
}
