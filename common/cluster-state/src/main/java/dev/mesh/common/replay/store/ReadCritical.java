package dev.mesh.common.replay.store;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * The retained critical events of a channel after a user's ack (and after an optional lower bound);
 * null when the channel has no log. The bounds count only when their epoch is the log's.
 */
public final class ReadCritical
    implements EntryProcessor<String, ChannelLog, ReadResult>, ReadOnly {

  final String ackEpoch;
  final long ackSeq;
  final String afterEpoch;
  final long afterSeq;
  final int limit;
  final long nowMillis;
  final ChannelPolicy policy;

  public ReadCritical(
      AckMark ack,
      String afterEpoch,
      long afterSeq,
      int limit,
      long nowMillis,
      ChannelPolicy policy) {
    this.ackEpoch = ack == null ? null : ack.epoch();
    this.ackSeq = ack == null ? 0 : ack.seq();
    this.afterEpoch = afterEpoch;
    this.afterSeq = afterSeq;
    this.limit = limit;
    this.nowMillis = nowMillis;
    this.policy = policy;
  }

  @Override
  public ReadResult process(Map.Entry<String, ChannelLog> entry) {
    ChannelLog log = entry.getValue();
    if (log == null) {
      return null;
    }
    long from = 0;
    if (log.epoch().equals(ackEpoch)) {
      from = ackSeq;
    }
    if (log.epoch().equals(afterEpoch)) {
      from = Math.max(from, afterSeq);
    }
    return log.criticalAfter(from, limit, nowMillis, policy);
  }

  @Override
  public EntryProcessor<String, ChannelLog, ReadResult> getBackupProcessor() {
    return null;
  }
}
