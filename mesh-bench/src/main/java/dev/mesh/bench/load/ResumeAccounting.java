package dev.mesh.bench.load;

import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * When a page that lost its node got back everything it missed: the storm's per-page figure,
 * computed from what the page recorded (when it became ready again, when each event first arrived)
 * and what the publisher recorded (which seqs were acknowledged, and when).
 *
 * <p>A page <em>missed</em> an acknowledged event when the event had not arrived before the kill
 * and was acknowledged before the page was ready again (subscribed on its new node): the resume has
 * to bring it. The page is <em>resumed</em> at the later of that readiness and the arrival of the
 * last missed event, so the time is measured from the kill to the page's last missed event
 * delivered and can never be negative. A page that never became ready after the kill, gave up, or
 * still lacks a missed event is not resumed, and says which; it has no time.
 */
final class ResumeAccounting {

  private ResumeAccounting() {}

  /**
   * One acknowledged publish: its seq and when the publisher got the ack (wall-clock microseconds).
   */
  record Ack(long seq, long ackedAtMicros) {}

  enum Status {
    /** Ready on a live node and holding every event it missed. */
    RESUMED,
    /**
     * Never ready again after the kill (still reconnecting or resubscribing when the run ended).
     */
    NOT_BACK,
    /** Stopped reconnecting: the client's attempt limit was reached. */
    GAVE_UP,
    /** Ready again, but at least one event acknowledged before that never arrived. */
    MISSING_EVENTS
  }

  /**
   * The outcome for one page.
   *
   * @param status what became of the page
   * @param resumeMicros time from the kill to the page resumed; {@link Latencies#NEVER} unless
   *     {@code RESUMED}
   * @param missed acknowledged events the page had to get back through the resume
   * @param lost acknowledged events that never arrived at all (missed or not)
   */
  record Outcome(Status status, long resumeMicros, int missed, long lost) {

    boolean resumed() {
      return status == Status.RESUMED;
    }
  }

  /**
   * @param killedAtMicros when the page's node was killed
   * @param readyTimesMicros every moment the page became ready (all channels subscribed), oldest
   *     first
   * @param gaveUp whether the page stopped reconnecting
   * @param acked every acknowledged publish of the channel
   * @param arrivalMicros seq to the arrival of its first copy at this page, -1 if it never arrived
   */
  static Outcome page(
      long killedAtMicros,
      List<Long> readyTimesMicros,
      boolean gaveUp,
      List<Ack> acked,
      LongUnaryOperator arrivalMicros) {
    long lost = acked.stream().filter(a -> arrivalMicros.applyAsLong(a.seq()) < 0).count();
    // The last readiness after the kill: a page that came back, dropped again and came back once
    // more is resumed
    // only once it is back for good.
    long back = -1;
    for (long t : readyTimesMicros) {
      if (t >= killedAtMicros) {
        back = t;
      }
    }
    if (back < 0) {
      return new Outcome(gaveUp ? Status.GAVE_UP : Status.NOT_BACK, Latencies.NEVER, 0, lost);
    }
    int missed = 0;
    long lastMissedArrival = back;
    boolean missing = false;
    for (Ack ack : acked) {
      long arrived = arrivalMicros.applyAsLong(ack.seq());
      boolean before = arrived >= 0 && arrived < killedAtMicros;
      if (before || ack.ackedAtMicros() >= back) {
        continue;
      }
      missed++;
      if (arrived < 0) {
        missing = true;
      } else {
        lastMissedArrival = Math.max(lastMissedArrival, arrived);
      }
    }
    if (missing) {
      return new Outcome(Status.MISSING_EVENTS, Latencies.NEVER, missed, lost);
    }
    return new Outcome(Status.RESUMED, lastMissedArrival - killedAtMicros, missed, lost);
  }
}
