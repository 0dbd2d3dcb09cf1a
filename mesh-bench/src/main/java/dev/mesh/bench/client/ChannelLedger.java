package dev.mesh.bench.client;

import java.util.BitSet;

/**
 * What one page received on one channel: the position it would resume from, every seq seen in the current epoch
 * (so that duplicates and holes can be counted exactly) and when each first arrived (wall-clock microseconds, so that
 * the time a page took to get back what it missed is measured, not guessed). Accessed under the owning
 * {@link PageClient}'s lock.
 */
public final class ChannelLedger {

  private final String channel;
  private String epoch;
  private long last = -1;
  private final BitSet seen = new BitSet();
  /** Arrival (wall-clock microseconds) of the first copy of each seq of the current epoch, 0 where none. */
  private long[] arrivals = new long[64];
  private long received;
  private long duplicates;
  private long jumps;
  private long resets;
  private long epochChanges;
  private boolean subscribed;
  private final java.util.List<String> positions = new java.util.ArrayList<>();

  ChannelLedger(String channel) {
    this.channel = channel;
  }

  public String channel() {
    return channel;
  }

  void subscribed(String epoch, long seq) {
    if (positions.size() < 20) {
      positions.add("subscribed@" + seq + "(had " + last + ")");
    }
    if (this.epoch != null && !this.epoch.equals(epoch) && !unborn()) {
      epochChanges++;
      forgetEpoch();
    }
    this.epoch = epoch;
    if (last < 0 || last < seq) {
      last = seq;
    }
    subscribed = true;
  }

  /** At the unborn position: subscribed to a channel that had no history, nothing received since. */
  private boolean unborn() {
    return dev.mesh.common.protocol.Position.UNBORN_EPOCH.equals(epoch) && last <= 0;
  }

  void reset(String epoch, long seq) {
    if (positions.size() < 20) {
      positions.add("reset@" + seq + "(had " + last + ")");
    }
    resets++;
    if (this.epoch != null && !this.epoch.equals(epoch)) {
      forgetEpoch();
    }
    this.epoch = epoch;
    last = seq;
  }

  void unsubscribedByClose() {
    subscribed = false;
  }

  /** Records one event that arrived at {@code arrivedMicros} (wall clock); returns false when it is a duplicate. */
  boolean event(String eventEpoch, long seq, long arrivedMicros) {
    if (epoch != null && !epoch.equals(eventEpoch)) {
      if (unborn()) {
        // Subscribed before the channel had a history: its first epoch continues the position (PROTOCOL 6.1).
        last = 0;
      } else {
        epochChanges++;
        forgetEpoch();
        last = seq - 1;
      }
    }
    epoch = eventEpoch;
    received++;
    if (seen.get((int) seq)) {
      duplicates++;
      return false;
    }
    seen.set((int) seq);
    if (seq >= arrivals.length) {
      arrivals = java.util.Arrays.copyOf(arrivals, (int) Math.max(seq + 1, arrivals.length * 2L));
    }
    arrivals[(int) seq] = arrivedMicros;
    if (last >= 0 && seq != last + 1) {
      jumps++;
      if (positions.size() < 20) {
        positions.add("jump " + last + "->" + seq);
      }
    }
    last = Math.max(last, seq);
    return true;
  }

  /** The subscribe positions, resets and jumps this ledger went through (the first 20), for diagnostics. */
  public java.util.List<String> positions() {
    return java.util.List.copyOf(positions);
  }

  private long announcedDrops;

  void gap(long dropped) {
    announcedDrops += dropped;
    if (positions.size() < 20) {
      positions.add("gap frame dropped=" + dropped + " after " + last);
    }
  }

  /** Events the server said it dropped for this page ({@code gap} frames: a slow reader, PROTOCOL §11.2). */
  public long announcedDrops() {
    return announcedDrops;
  }

  public boolean isSubscribed() {
    return subscribed;
  }

  public String epoch() {
    return epoch;
  }

  public long last() {
    return last;
  }

  public boolean saw(long seq) {
    return seen.get((int) seq);
  }

  /** When the first copy of {@code seq} (current epoch) arrived, wall-clock microseconds; -1 if it never did. */
  public long arrivalMicros(long seq) {
    return seq >= 0 && seq < arrivals.length && seen.get((int) seq) ? arrivals[(int) seq] : -1;
  }

  private void forgetEpoch() {
    seen.clear();
    arrivals = new long[64];
  }

  public long received() {
    return received;
  }

  public long duplicates() {
    return duplicates;
  }

  /** Events that arrived after a hole (an out-of-order delivery or a loss); 0 when the merge guarantee holds. */
  public long jumps() {
    return jumps;
  }

  public long resets() {
    return resets;
  }

  public long epochChanges() {
    return epochChanges;
  }
}
