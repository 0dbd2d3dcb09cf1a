package dev.mesh.common.replay.store;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Reads events after a position without changing anything; returns null when the channel has no log
 * (a read never creates one: see {@link ReadResult#noHistory}). {@code afterEpoch} null reads from
 * the oldest retained event.
 */
public final class ReadEvents implements EntryProcessor<String, ChannelLog, ReadResult>, ReadOnly {

  final String afterEpoch;
  final long afterSeq;
  final int limit;
  final long nowMillis;
  final ChannelPolicy policy;

  public ReadEvents(
      String afterEpoch, long afterSeq, int limit, long nowMillis, ChannelPolicy policy) {
    this.afterEpoch = afterEpoch;
    this.afterSeq = afterSeq;
    this.limit = limit;
    this.nowMillis = nowMillis;
    this.policy = policy;
  }

  @Override
  public ReadResult process(Map.Entry<String, ChannelLog> entry) {
    ChannelLog log = entry.getValue();
    return log == null ? null : log.read(afterEpoch, afterSeq, limit, nowMillis, policy);
  }

  @Override
  public EntryProcessor<String, ChannelLog, ReadResult> getBackupProcessor() {
    return null;
  }
}
