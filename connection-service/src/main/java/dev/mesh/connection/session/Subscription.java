package dev.mesh.connection.session;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One channel a session is subscribed to, and where it is in that channel's stream. Events are
 * delivered in {@code seq} order exactly once: anything at or below the last delivered {@code seq}
 * of the same epoch is a duplicate and skipped. While history is being fetched (resume, or a gap
 * seen on the live path) live events are buffered, then merged after the history, so nothing is
 * lost or doubled at the seam.
 */
public final class Subscription {

  private final Session session;
  private final String channel;
  private String epoch;
  private long lastSeq;
  private List<Envelope> buffered;
  private long dropped;
  private final boolean presence;

  /**
   * The channel's presence version its snapshot reflects ({@code subscribed.presence}); -1 until
   * the snapshot is read. A change at or below it is in the snapshot already: a frame for it would
   * repeat what the page was told.
   */
  private long presenceFloor = -1;

  /**
   * Set once its session no longer holds it (unsubscribed, replaced by a re-subscribe, or the
   * session closed). A fan-out snapshot or an answer in flight may still reach it: this says it is
   * no longer the session's, without looking the channel up in the session.
   */
  private boolean ended;

  /**
   * Epochs this subscription moved away from to another real epoch (a {@code reset} after a
   * diverged merge or a lost history): their events are obsolete. One still in flight (a live
   * event, or a catch-up or gap-fill read answered before the reset) must not move the subscription
   * back, which would send the page the old epoch's events a second time and then reset it forward
   * again. Null until the first such move: most subscriptions never make one, and each live event
   * asks.
   */
  private Set<String> left;

  private static final int MAX_LEFT = 16;

  /** {@code session}: the one it delivers to, so a channel's subscribers can be held as these. */
  public Subscription(Session session, String channel, boolean presence) {
    this.session = session;
    this.channel = channel;
    this.presence = presence;
  }

  public Session session() {
    return session;
  }

  /** Whether its session no longer holds it; then nothing more is delivered through it. */
  public boolean isEnded() {
    return ended;
  }

  /** Its session let it go; only the session calls this. */
  void end() {
    ended = true;
  }

  public String channel() {
    return channel;
  }

  public boolean presence() {
    return presence;
  }

  /** See {@link #presenceFloor}; on the session's loop. */
  public long presenceFloor() {
    return presenceFloor;
  }

  public void presenceFloor(long version) {
    presenceFloor = Math.max(presenceFloor, version);
  }

  public String epoch() {
    return epoch;
  }

  public long lastSeq() {
    return lastSeq;
  }

  /** Starts buffering live events (history is being fetched). */
  public void startBuffering() {
    if (buffered == null) {
      buffered = new ArrayList<>();
    }
  }

  public boolean isBuffering() {
    return buffered != null;
  }

  /** Positions the stream (e.g. at the client's resume position, or after a reset). */
  public void position(String epoch, long seq) {
    leaveFor(epoch);
    this.epoch = epoch;
    this.lastSeq = seq;
  }

  /**
   * Whether this subscription was moved from {@code epoch} to another one: an event of it is
   * obsolete here.
   */
  public boolean hasLeft(String epoch) {
    return left != null && left.contains(epoch);
  }

  /**
   * Remembers the current epoch as left when the stream moves to another real one. Not for the
   * unborn position: a history found missing may come back under its old epoch (a merge keeps a log
   * only one side had), and the unborn position then continues into it (PROTOCOL 6.1).
   */
  private void leaveFor(String next) {
    if (epoch == null
        || next == null
        || epoch.equals(next)
        || Position.UNBORN_EPOCH.equals(epoch)
        || Position.UNBORN_EPOCH.equals(next)) {
      return;
    }
    if (left == null) {
      left = new LinkedHashSet<>();
    }
    left.remove(next);
    left.add(epoch);
    if (left.size() > MAX_LEFT) {
      Iterator<String> oldest = left.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * Offers a live event: buffered while fetching history; otherwise passed to {@code deliver}
   * unless it is a duplicate. Returns true if the event shows a gap (a {@code seq} skipped) that
   * must be filled from history.
   */
  public boolean offerLive(Envelope event, Consumer<Envelope> deliver) {
    if (hasLeft(event.epoch())) {
      return false;
    }
    if (buffered != null) {
      buffered.add(event);
      return false;
    }
    // A known position of 0 (subscribed to an empty channel) is a position too: seq 2 after 0 is a
    // gap. So is the
    // unborn position (subscribed before the channel had any history) before the first epoch's seq
    // 2.
    if (continues(event) && event.seq() > lastSeq + 1) {
      startBuffering();
      buffered.add(event);
      return true;
    }
    accept(event, deliver);
    return false;
  }

  /**
   * Delivers a page of fetched history in order, skipping what was already delivered. Keeps
   * buffering.
   */
  public void deliverHistory(List<Envelope> history, Consumer<Envelope> deliver) {
    for (Envelope event : history) {
      accept(event, deliver);
    }
  }

  /**
   * Delivers what was buffered, in seq order and once each, up to the first hole: if an event is
   * missing in the middle of the buffer (a publish the bus did not bring here), the rest stays
   * buffered and false is returned so the caller fetches the hole from history first. True when the
   * buffer is empty and buffering stopped.
   */
  public boolean drainContiguous(Consumer<Envelope> deliver) {
    if (buffered == null) {
      return true;
    }
    buffered.sort(Comparator.comparingLong(Envelope::seq));
    int next = 0;
    for (; next < buffered.size(); next++) {
      Envelope event = buffered.get(next);
      if (continues(event) && event.seq() > lastSeq + 1) {
        break;
      }
      accept(event, deliver);
    }
    if (next < buffered.size()) {
      buffered = new ArrayList<>(buffered.subList(next, buffered.size()));
      return false;
    }
    buffered = null;
    return true;
  }

  /**
   * Delivers everything buffered, holes or not, and stops buffering (when history cannot be had).
   */
  public void drainBuffer(Consumer<Envelope> deliver) {
    List<Envelope> pending = buffered == null ? new ArrayList<>() : buffered;
    buffered = null;
    pending.sort(Comparator.comparingLong(Envelope::seq));
    for (Envelope event : pending) {
      accept(event, deliver);
    }
  }

  /**
   * Whether {@code event} continues this stream: same epoch, or any epoch after the unborn position
   * (the channel's first history began after this subscription started: its first events are not a
   * new epoch to reset for).
   */
  private boolean continues(Envelope event) {
    return epoch != null && (epoch.equals(event.epoch()) || isUnborn());
  }

  /**
   * At the unborn position: subscribed before the channel had any history, nothing delivered since.
   */
  public boolean isUnborn() {
    return Position.UNBORN_EPOCH.equals(epoch) && lastSeq == 0;
  }

  private void accept(Envelope event, Consumer<Envelope> deliver) {
    if (hasLeft(event.epoch())) {
      return;
    }
    if (epoch == null || !epoch.equals(event.epoch())) {
      leaveFor(event.epoch());
      epoch = event.epoch();
      lastSeq = 0;
    }
    if (event.seq() <= lastSeq) {
      return;
    }
    lastSeq = event.seq();
    deliver.accept(event);
  }

  public void countDropped() {
    dropped++;
  }

  /** Dropped events not yet announced by a {@code gap} frame. */
  public long droppedPending() {
    return dropped;
  }

  /** Live events held while history is fetched. */
  public int bufferedCount() {
    return buffered == null ? 0 : buffered.size();
  }

  /** Dropped events since the last call (for the {@code gap} frame), resetting the count. */
  public long takeDropped() {
    long value = dropped;
    dropped = 0;
    return value;
  }
}
