package dev.mesh.common.replay.store;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Moves a user's ack for a channel forward in the ack's epoch: within an epoch the cursor only
 * grows, and an {@code initial} ack is stored only when the user has no cursor in that epoch.
 * Cursors of other epochs are kept apart, untouched ({@link AckCursors}): replay-service checks
 * that the ack's epoch is the channel's current one before submitting it, but the epoch can change
 * before the ack is stored, and such a stale ack must not replace the user's cursor in the new
 * epoch. The entry is stored as a plain {@link AckMark} while it holds one epoch's cursor (the old
 * format, see {@link AckCursors#stored}), and either format is read. Every stored ack sets the
 * entry's time-to-live. Returns the user's cursor in the ack's epoch as stored.
 */
public final class AdvanceAck implements EntryProcessor<String, Object, AckMark> {

  final AckMark ack;
  final long ttlMillis;
  final boolean initial;

  public AdvanceAck(AckMark ack, long ttlMillis, boolean initial) {
    this.ack = ack;
    this.ttlMillis = ttlMillis;
    this.initial = initial;
  }

  @Override
  public AckMark process(Map.Entry<String, Object> entry) {
    AckCursors cursors = AckCursors.from(entry.getValue());
    AckMark current = cursors == null ? null : cursors.in(ack.epoch());
    if (current != null && (initial || current.seq() >= ack.seq())) {
      return current;
    }
    AckCursors next = cursors == null ? AckCursors.of(ack) : cursors.with(ack);
    ((ExtendedMapEntry<String, Object>) entry)
        .setValue(next.stored(), ttlMillis, TimeUnit.MILLISECONDS);
    return ack;
  }
}
