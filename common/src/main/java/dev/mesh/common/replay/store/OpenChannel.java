package dev.mesh.common.replay.store;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Gives a channel that has no log an empty one with {@code newEpoch} (unless a publish created one meanwhile), then
 * reads as {@link ReadEvents} does. Used when a read finds no log, so that every history reply names an epoch the
 * caller can hold and later resume from.
 */
public final class OpenChannel implements EntryProcessor<String, ChannelLog, ReadResult> {

  final String newEpoch;
  final ReadEvents read;
  final ChannelPolicy policy;

  public OpenChannel(String newEpoch, ReadEvents read, ChannelPolicy policy) {
    this.newEpoch = newEpoch;
    this.read = read;
    this.policy = policy;
  }

  @Override
  public ReadResult process(Map.Entry<String, ChannelLog> entry) {
    if (entry.getValue() == null) {
      ((ExtendedMapEntry<String, ChannelLog>) entry)
          .setValue(new ChannelLog(newEpoch), policy.idleMillis(), TimeUnit.MILLISECONDS);
    }
    return read.process(entry);
  }
}
