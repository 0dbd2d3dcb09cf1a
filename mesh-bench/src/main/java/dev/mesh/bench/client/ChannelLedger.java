package dev.mesh.bench.client;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one page received on one channel: the position it would resume from, every {@code (epoch,
 * seq)} seen, and the ranges the server announced as lost to it ({@code reset} and {@code gap}
 * frames), so that an acknowledged event missing at this page can be told apart: excused
 * (announced) or silently lost; and when each first arrived (wall-clock microseconds, so that the
 * time a page took to get back what it missed is measured, not guessed). Accessed under the owning
 * {@link PageClient}'s lock.
 */
public final class ChannelLedger {

  private final String channel;
  private String epoch;
  private long last = -1;
  private final Map<String, BitSet> seen = new HashMap<>();

  /** Per epoch, ranges {@code (from, to]} of seqs the page was told it will not get. */
  private final Map<String, List<long[]>> announced = new HashMap<>();

  /** Per epoch, arrival (wall-clock microseconds) of the first copy of each seq, 0 where none. */
  private final Map<String, long[]> arrivals = new HashMap<>();

  private long received;
  private long duplicates;
  private long jumps;
  private long resets;
  private long epochChanges;
  private long announcedDrops;

  /** The last seq when a {@code gap} frame arrived and no event followed yet; -1 otherwise. */
  private long gapFrom = -1;

  private long gapDropped;
  private boolean subscribed;
  private final List<String> positions = new ArrayList<>();

  ChannelLedger(String channel) {
    this.channel = channel;
  }

  public String channel() {
    return channel;
  }

  private static String shortEpoch(String epoch) {
    return epoch == null || epoch.length() <= 6 ? String.valueOf(epoch) : epoch.substring(0, 6);
  }

  private void note(String what) {
    if (positions.size() < 40) {
      positions.add(what);
    }
  }

  private void announce(String inEpoch, long fromExclusive, long toInclusive) {
    if (toInclusive > fromExclusive) {
      announced
          .computeIfAbsent(inEpoch, e -> new ArrayList<>())
          .add(new long[] {fromExclusive, toInclusive});
    }
  }

  void subscribed(String epoch, long seq) {
    note(
        "subscribed@"
            + shortEpoch(epoch)
            + ":"
            + seq
            + "(had "
            + shortEpoch(this.epoch)
            + ":"
            + last
            + ")");
    if (this.epoch == null) {
      // The first subscription starts at the head: what came before was never owed to this page.
      announce(epoch, 0, seq);
      this.epoch = epoch;
      last = seq;
    } else if (!this.epoch.equals(epoch)) {
      // A new epoch without a reset frame: not an announcement, the old epoch's rest stays owed.
      // From the unborn
      // position (no history when first subscribed) the first epoch continues it (PROTOCOL 6.1):
      // not a change.
      if (!unborn()) {
        epochChanges++;
      }
      this.epoch = epoch;
      last = seq;
    } else if (last < seq) {
      last = seq;
    }
    subscribed = true;
  }

  /**
   * At the unborn position: subscribed to a channel that had no history, nothing received since.
   */
  private boolean unborn() {
    return dev.mesh.common.protocol.Position.UNBORN_EPOCH.equals(epoch) && last <= 0;
  }

  void reset(String epoch, long seq) {
    reset(epoch, seq, null);
  }

  void reset(String epoch, long seq, String cause) {
    note(
        "reset@"
            + shortEpoch(epoch)
            + ":"
            + seq
            + " "
            + cause
            + "(had "
            + shortEpoch(this.epoch)
            + ":"
            + last
            + ")");
    resets++;
    if (this.epoch != null && this.epoch.equals(epoch)) {
      announce(epoch, last, seq);
    } else {
      if (this.epoch != null) {
        announce(this.epoch, last, Long.MAX_VALUE);
      }
      announce(epoch, 0, seq);
    }
    this.epoch = epoch;
    last = seq;
  }

  void unsubscribedByClose() {
    subscribed = false;
  }

  /**
   * Records one event that arrived at {@code arrivedMicros} (wall clock); returns false when it is
   * a duplicate.
   */
  boolean event(String eventEpoch, long seq, long arrivedMicros) {
    if (epoch != null && !epoch.equals(eventEpoch)) {
      if (unborn()) {
        // Subscribed before the channel had a history: its first epoch continues the position
        // (PROTOCOL 6.1).
        last = 0;
      } else {
        epochChanges++;
        last = seq - 1;
      }
    }
    epoch = eventEpoch;
    received++;
    if (gapFrom >= 0) {
      announce(eventEpoch, gapFrom, seq - 1);
      gapFrom = -1;
    }
    BitSet ofEpoch = seen.computeIfAbsent(eventEpoch, e -> new BitSet());
    if (ofEpoch.get((int) seq)) {
      if (duplicates == 0) {
        note("first duplicate " + shortEpoch(eventEpoch) + ":" + seq + " after " + last);
      }
      duplicates++;
      return false;
    }
    ofEpoch.set((int) seq);
    long[] times = arrivals.getOrDefault(eventEpoch, new long[64]);
    if (seq >= times.length) {
      times = java.util.Arrays.copyOf(times, (int) Math.max(seq + 1, times.length * 2L));
    }
    times[(int) seq] = arrivedMicros;
    arrivals.put(eventEpoch, times);
    if (last >= 0 && seq != last + 1) {
      jumps++;
      note("jump " + last + "->" + seq);
    }
    last = Math.max(last, seq);
    return true;
  }

  /**
   * The subscribe positions, resets and jumps this ledger went through (the first 20), for
   * diagnostics.
   */
  public List<String> positions() {
    return List.copyOf(positions);
  }

  void gap(long dropped) {
    announcedDrops += dropped;
    note("gap frame dropped=" + dropped + " after " + last);
    // The dropped events lie between the last one delivered and the next one (the gap frame
    // precedes it).
    gapFrom = last;
    gapDropped = dropped;
  }

  /**
   * Events the server said it dropped for this page ({@code gap} frames: a slow reader, PROTOCOL
   * §11.2).
   */
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

  /** Whether {@code seq} of the current epoch was received. */
  public boolean saw(long seq) {
    return epoch != null && saw(epoch, seq);
  }

  /** Whether {@code (epoch, seq)} was received. */
  public boolean saw(String inEpoch, long seq) {
    BitSet ofEpoch = seen.get(inEpoch);
    return ofEpoch != null && ofEpoch.get((int) seq);
  }

  /**
   * When the first copy of {@code seq} (current epoch) arrived, wall-clock microseconds; -1 if it
   * never did.
   */
  public long arrivalMicros(long seq) {
    long[] times = epoch == null ? null : arrivals.get(epoch);
    return times != null && seq >= 0 && seq < times.length && saw(seq) ? times[(int) seq] : -1;
  }

  /**
   * Whether the server told this page, by {@code reset} or {@code gap}, that it will not get {@code
   * (epoch, seq)}.
   */
  public boolean announced(String inEpoch, long seq) {
    if (gapFrom >= 0 && inEpoch.equals(epoch) && seq > gapFrom && seq <= gapFrom + gapDropped) {
      return true;
    }
    for (long[] range : announced.getOrDefault(inEpoch, List.of())) {
      if (seq > range[0] && seq <= range[1]) {
        return true;
      }
    }
    return false;
  }

  public long received() {
    return received;
  }

  public long duplicates() {
    return duplicates;
  }

  /**
   * Events that arrived after a hole (an out-of-order delivery or a loss); 0 when the merge
   * guarantee holds.
   */
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
