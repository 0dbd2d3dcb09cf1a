package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.load.ResumeAccounting.Ack;
import dev.mesh.bench.load.ResumeAccounting.Outcome;
import dev.mesh.bench.load.ResumeAccounting.Status;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Storm accounting: a page is resumed when its last missed event arrived, never before the kill")
class ResumeAccountingTest {

  private static final long KILL = 1_000_000_000L;

  /** Seq 1-3 acknowledged before the kill, 4-6 after it (2, 3 and 4 s after). */
  private static final List<Ack> ACKED =
      List.of(
          new Ack(1, KILL - 300_000),
          new Ack(2, KILL - 200_000),
          new Ack(3, KILL - 100_000),
          new Ack(4, KILL + 2_000_000),
          new Ack(5, KILL + 3_000_000),
          new Ack(6, KILL + 4_000_000));

  private final Map<Long, Long> arrivals = new HashMap<>();

  private long arrival(long seq) {
    return arrivals.getOrDefault(seq, -1L);
  }

  private Outcome page(List<Long> ready, boolean gaveUp) {
    return ResumeAccounting.page(KILL, ready, gaveUp, ACKED, this::arrival);
  }

  @Test
  @DisplayName(
      "resume time runs from the kill to the arrival of the last missed event, after readiness")
  void lastMissedEvent() {
    arrivals.put(1L, KILL - 250_000);
    arrivals.put(2L, KILL - 150_000);
    // 3 was in flight at the kill; 4 and 5 were acknowledged before the page was back (at +4.5 s):
    // all three missed.
    arrivals.put(3L, KILL + 4_600_000);
    arrivals.put(4L, KILL + 4_700_000);
    arrivals.put(5L, KILL + 7_000_000);
    arrivals.put(6L, KILL + 4_800_000);
    Outcome outcome = page(List.of(KILL - 5_000_000, KILL + 4_500_000), false);
    assertThat(outcome.status()).isEqualTo(Status.RESUMED);
    // 6 was acknowledged at +4 s, before readiness at +4.5 s: missed too, and it arrived at +4.8 s;
    // 5 came last.
    assertThat(outcome.missed()).isEqualTo(4);
    assertThat(outcome.resumeMicros()).isEqualTo(7_000_000);
    assertThat(outcome.lost()).isZero();
  }

  @Test
  @DisplayName(
      "a page that missed nothing is resumed when it is ready again; an earlier readiness never counts")
  void nothingMissed() {
    for (long s = 1; s <= 6; s++) {
      arrivals.put(s, KILL - 10);
    }
    Outcome outcome = page(List.of(KILL - 9_000_000, KILL + 1_200_000), false);
    assertThat(outcome.status()).isEqualTo(Status.RESUMED);
    assertThat(outcome.missed()).isZero();
    assertThat(outcome.resumeMicros()).isEqualTo(1_200_000);
  }

  @Test
  @DisplayName(
      "a page ready only before the kill is not back: no time at all, never a negative one")
  void readyOnlyBeforeTheKill() {
    arrivals.put(1L, KILL - 250_000);
    Outcome outcome = page(List.of(KILL - 15_850_000), false);
    assertThat(outcome.status()).isEqualTo(Status.NOT_BACK);
    assertThat(outcome.resumed()).isFalse();
    assertThat(outcome.resumeMicros()).isEqualTo(Latencies.NEVER);
    assertThat(outcome.lost()).isEqualTo(5);
  }

  @Test
  @DisplayName("a page that gave up says so")
  void gaveUp() {
    assertThat(page(List.of(KILL - 1), true).status()).isEqualTo(Status.GAVE_UP);
  }

  @Test
  @DisplayName(
      "a page back but still lacking a missed event is not resumed, and the event counts as lost")
  void missingEvent() {
    arrivals.put(1L, KILL - 250_000);
    arrivals.put(2L, KILL - 150_000);
    arrivals.put(3L, KILL + 5_000_000);
    arrivals.put(5L, KILL + 5_100_000);
    arrivals.put(6L, KILL + 5_200_000);
    Outcome outcome = page(List.of(KILL + 4_500_000), false);
    assertThat(outcome.status()).isEqualTo(Status.MISSING_EVENTS);
    assertThat(outcome.resumeMicros()).isEqualTo(Latencies.NEVER);
    assertThat(outcome.lost()).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "a page that came back, dropped and came back again is resumed only at its last return")
  void backTwice() {
    for (long s = 1; s <= 3; s++) {
      arrivals.put(s, KILL - 10);
    }
    arrivals.put(4L, KILL + 2_100_000);
    arrivals.put(5L, KILL + 9_100_000);
    arrivals.put(6L, KILL + 9_200_000);
    Outcome outcome = page(List.of(KILL + 1_000_000, KILL + 9_000_000), false);
    assertThat(outcome.status()).isEqualTo(Status.RESUMED);
    assertThat(outcome.resumeMicros()).isEqualTo(9_200_000);
  }
}
