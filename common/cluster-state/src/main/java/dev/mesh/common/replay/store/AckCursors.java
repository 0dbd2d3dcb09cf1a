package dev.mesh.common.replay.store;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A user's ack cursors for one channel, one per epoch, the most recently written first: the value
 * of {@link ReplayMaps#ACKS} when it holds several epochs; one epoch's cursor alone is stored as a
 * plain {@link AckMark}, the map's only value before cursors were kept per epoch, so that members
 * from before that change still read it ({@link #from} reads both). Kept apart per epoch so that an
 * ack of an epoch that was current when replay-service checked it, but no longer is when it is
 * stored, cannot replace the cursor the user already has in the new epoch (which would make the
 * user owed, and sent again, every critical event of it). Only the channel's current epoch counts
 * when the cursors are read ({@link #in}): a user without a cursor in it is at 0, owed everything.
 * At most {@link #MAX_EPOCHS}: storing a cursor of yet another epoch drops the least recently
 * written one.
 *
 * @param marks one per epoch (a second cursor of an epoch is refused), the most recently written
 *     first
 */
public record AckCursors(List<AckMark> marks) {

  /**
   * Most epochs kept per user and channel: the current one, the one before it (its acks still in
   * flight when the history was reset) and an older one that a split-brain merge can make current
   * again (ChannelLogMergePolicy keeps the existing log, whatever its epoch's age), with one to
   * spare. Epochs change rarely (a reset history, a lost partition, a diverged merge), and the
   * whole entry expires with its time-to-live anyway. The limit: should cursors of five epochs be
   * written within the entry's time-to-live, the dropped one may be the current epoch's, and the
   * next {@code initial} ack then opens it again at the subscribing page's position, so critical
   * events before that position that the user delivered but never acked are not sent again (what
   * happened before cursors per epoch whenever an epoch became current again).
   */
  public static final int MAX_EPOCHS = 4;

  public AckCursors {
    if (marks.isEmpty() || marks.size() > MAX_EPOCHS) {
      throw new IllegalArgumentException("1-" + MAX_EPOCHS + " cursors expected: " + marks);
    }
    Set<String> epochs = new HashSet<>();
    for (AckMark mark : marks) {
      if (!epochs.add(mark.epoch())) {
        throw new IllegalArgumentException("one cursor per epoch expected: " + marks);
      }
    }
    marks = List.copyOf(marks);
  }

  /**
   * A value of {@link ReplayMaps#ACKS} as cursors: null when there is none, an {@link AckMark} (one
   * epoch's cursor, as stored by this and earlier versions) as its only cursor, {@code AckCursors}
   * as they are.
   *
   * @throws IllegalStateException for any other value
   */
  public static AckCursors from(Object stored) {
    if (stored == null) {
      return null;
    }
    if (stored instanceof AckMark mark) {
      return of(mark);
    }
    if (stored instanceof AckCursors cursors) {
      return cursors;
    }
    throw new IllegalStateException(
        "not an ack cursor in " + ReplayMaps.ACKS + ": " + stored.getClass().getName());
  }

  /**
   * The value to store in {@link ReplayMaps#ACKS} for these cursors: the plain {@link AckMark} when
   * there is one epoch's (readable by members from before cursors per epoch), else these cursors.
   */
  public Object stored() {
    return marks.size() == 1 ? marks.get(0) : this;
  }

  /** A user's first cursor in a channel. */
  public static AckCursors of(AckMark mark) {
    return new AckCursors(List.of(mark));
  }

  /** The cursor of {@code epoch}, or null when there is none in that epoch. */
  public AckMark in(String epoch) {
    for (AckMark mark : marks) {
      if (mark.epoch().equals(epoch)) {
        return mark;
      }
    }
    return null;
  }

  /** The most recently written cursor. */
  public AckMark latest() {
    return marks.get(0);
  }

  /**
   * These cursors with {@code mark} as its epoch's, first (the most recently written); the least
   * recently written one dropped beyond {@link #MAX_EPOCHS}.
   */
  public AckCursors with(AckMark mark) {
    List<AckMark> next = new ArrayList<>(MAX_EPOCHS);
    next.add(mark);
    for (AckMark kept : marks) {
      if (next.size() < MAX_EPOCHS && !kept.epoch().equals(mark.epoch())) {
        next.add(kept);
      }
    }
    return new AckCursors(next);
  }
}
