package dev.mesh.common.replay.store;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Moves a user's ack for a channel forward: within the same epoch it only grows; an ack of another
 * epoch replaces it (replay-service checks first that it is the channel's current epoch). An {@code
 * initial} ack is stored only when the user has no ack in that epoch. Returns the stored mark.
 */
public final class AdvanceAck implements EntryProcessor<String, AckMark, AckMark> {

  final AckMark ack;
  final long ttlMillis;
  final boolean initial;

  public AdvanceAck(AckMark ack, long ttlMillis, boolean initial) {
    this.ack = ack;
    this.ttlMillis = ttlMillis;
    this.initial = initial;
  }

  @Override
  public AckMark process(Map.Entry<String, AckMark> entry) {
    AckMark current = entry.getValue();
    if (current != null
        && current.epoch().equals(ack.epoch())
        && (initial || current.seq() >= ack.seq())) {
      return current;
    }
    ((ExtendedMapEntry<String, AckMark>) entry).setValue(ack, ttlMillis, TimeUnit.MILLISECONDS);
    return ack;
  }
}
