package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * Reply to {@code mesh.replay.resume-acks}: the pending critical events of many users of one
 * channel, each distinct event once. A user's pending events, what {@link PendingCritical} would
 * say for that user alone, are those of {@code events} above its {@code acked} up to its {@code
 * through} ({@link #pendingOf}).
 *
 * <p>{@code events} is bounded to {@link #MAX_EVENTS_BYTES}: a user whose events were cut by that
 * bound has {@code more} and fewer than {@code limit} of its own ({@link #cutShort}), and reads on
 * with {@code mesh.replay.pending} after its last one.
 *
 * @param channel the channel
 * @param epoch the channel's current epoch, null when the channel has no history
 * @param limit most pending events per user
 * @param events the users' pending critical events in {@code epoch}, distinct, ascending by seq
 * @param users one entry per distinct user asked for, in the order first asked
 */
public record ResumeAcks(
    String channel, String epoch, int limit, List<Envelope> events, List<User> users)
    implements MeshMessage {

  /**
   * Most bytes of {@code events} in one reply, counting each event's JSON payload plus {@link
   * #EVENT_OVERHEAD_BYTES}. Repeating every user's events could make one bus message gigabytes (500
   * users × 100 events × 64 KiB). 1 MiB holds the usual case, a few small critical events shared by
   * all the users, with room to spare (about 1,500 events of 200 bytes), and fifteen of the
   * largest; beyond it, only the users cut short read on, each on its own as without sharing.
   */
  public static final int MAX_EVENTS_BYTES = 1 << 20;

  /**
   * What an event costs besides its payload (channel, epoch, id, publisher: each at most 128
   * characters, plus seq, time and the JSON around them), so that many tiny events are bounded too.
   */
  public static final int EVENT_OVERHEAD_BYTES = 512;

  public ResumeAcks {
    events = events == null ? List.of() : List.copyOf(events);
    users = users == null ? List.of() : List.copyOf(users);
  }

  /**
   * One user's cursor.
   *
   * @param userId the user
   * @param epoch the channel's epoch when its pending events were read, null when the channel has
   *     no history; only when it is the reply's {@code epoch} are its events among {@code events}
   * @param acked the user's ack in {@code epoch} (0: nothing acknowledged)
   * @param more true when more pending events exist after the last of {@link #pendingOf} this user
   * @param through the seq of the last of this user's pending events that {@code events} carries
   *     ({@code acked} when none); null from a replay-service that predates it, whose users take
   *     the first {@code limit} events above {@code acked}
   * @param own how many of this user's own pending events {@code events} carries (the slice may
   *     hold more, see {@link #pendingOf}); null from a replay-service that predates it
   */
  public record User(
      String userId, String epoch, long acked, boolean more, Long through, Integer own) {}

  /**
   * {@code user}'s pending events: those of {@code events} in {@code (acked, through]}. A range,
   * not a count: the users' cursors are read one after another, so an event pushed out of history
   * between two reads can be in {@code events} for another user without being among this user's.
   * Counting it against this user's {@code limit} would push this user's last event out of its
   * slice unannounced; within the range it is one more critical event redelivered (the slice can
   * then hold more than {@code limit}), which is harmless.
   */
  public PendingCritical pendingOf(User user) {
    List<Envelope> mine = new ArrayList<>();
    if (user.epoch() != null && user.epoch().equals(epoch)) {
      for (Envelope event : events) {
        if (user.through() == null ? mine.size() == limit : event.seq() > user.through()) {
          break;
        }
        if (event.seq() > user.acked()) {
          mine.add(event);
        }
      }
    }
    return new PendingCritical(channel, user.epoch(), user.acked(), mine, user.more());
  }

  /**
   * How many of the user's own pending events its slice ({@code pending}, from {@link #pendingOf})
   * holds: what counts against the events a page is redelivered at most.
   */
  public int ownCount(User user, PendingCritical pending) {
    return user.own() == null ? pending.events().size() : user.own();
  }

  /**
   * Whether {@code user}'s slice ({@code pending}, from {@link #pendingOf}) was cut short by {@link
   * #MAX_EVENTS_BYTES}, by its cursor not being read, or by its events being read in another epoch
   * than the reply's: more are pending, yet fewer than {@code limit} of its own are here, so the
   * rest must be read after the last of them.
   */
  public boolean cutShort(User user, PendingCritical pending) {
    return pending.more() && ownCount(user, pending) < limit;
  }
}
