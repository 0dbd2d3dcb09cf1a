package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Storm figures: pages that never resumed are reported as such, never as a number")
class StormAnalysisTest {

  private static final long KILL = 5_000_000_000L;

  /** A merged per-process report of {@code resumedSeconds.length} moved pages. */
  private static JsonObject report(double[] resumedSeconds, double[] welcomedSeconds) {
    JsonArray resume = new JsonArray();
    for (double s : resumedSeconds) {
      resume.add(Double.isNaN(s) ? Latencies.NEVER : (long) (s * 1e6));
    }
    JsonArray welcome = new JsonArray();
    for (double s : welcomedSeconds) {
      welcome.add(Double.isNaN(s) ? Latencies.NEVER : (long) (s * 1e6));
    }
    JsonArray attempts =
        new JsonArray().add(900_000L).add(1_000_000L).add(1_050_000L).add(3_000_000L);
    JsonArray retries =
        new JsonArray()
            .add(new JsonArray().add(1_200_000L).add(4004).add(2500).add(true))
            .add(new JsonArray().add(1_300_000L).add(-1).add(1000).add(false));
    return new JsonObject()
        .put("resumeMicros", resume)
        .put("welcomeMicros", welcome)
        .put("attemptMicros", attempts)
        .put("retries", retries)
        .put("status", new JsonObject().put("RESUMED", 3))
        .put("lost", 0L)
        .put("duplicates", 0L)
        .put("announcedDrops", 0L)
        .put("missed", 12L);
  }

  private static List<StormScenario.Publish> publishes(
      int count, long everyMicros, long latencyMicros, int unacked) {
    List<StormScenario.Publish> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long sent = KILL + i * everyMicros;
      StormScenario.Publish p = new StormScenario.Publish(sent);
      if (i >= unacked) {
        p.acked(sent + latencyMicros + i, i + 1);
      }
      out.add(p);
    }
    return out;
  }

  @Test
  @DisplayName(
      "all pages resumed: percentiles in seconds after the kill, admission rate over the welcomes")
  void allResumed() {
    JsonObject r =
        StormScenario.analyse(
            report(new double[] {2.0, 4.0, 9.5}, new double[] {1.0, 1.5, 3.0}),
            publishes(50, 100_000, 20_000, 0),
            KILL,
            KILL + 10_000_000,
            List.of(new double[] {0.25, 5001}, new double[] {0.5, 5101}));
    assertThat(r.getBoolean("allResumed")).isTrue();
    assertThat(r.getDouble("resumedP50Seconds")).isEqualTo(4.0);
    assertThat(r.getDouble("resumedP99Seconds")).isEqualTo(9.5);
    assertThat(r.getDouble("welcomedP50Seconds")).isEqualTo(1.5);
    // 3 pages welcomed between +1.0 s and +3.0 s.
    assertThat(r.getDouble("survivorAdmissionPerSecond")).isEqualTo(1.5);
    assertThat(r.getLong("reconnectAttempts")).isEqualTo(4);
    assertThat(r.getLong("hintedRetries")).isEqualTo(1);
    assertThat(r.getDouble("publishAckP50Ms")).isBetween(20.0, 20.1);
    assertThat(r.getLong("publishesDuringStormUnacked")).isZero();
    JsonArray attempts = r.getJsonObject("perSlot").getJsonArray("attempts");
    assertThat(attempts.getLong(9)).isEqualTo(1);
    assertThat(attempts.getLong(10)).isEqualTo(2);
    assertThat(attempts.getLong(30)).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "one page of three never resumed: p50 measured, p99 and 'all resumed' are not numbers, nothing negative")
  void notAllResumed() {
    JsonObject r =
        StormScenario.analyse(
            report(new double[] {2.0, Double.NaN, 3.0}, new double[] {1.0, 2.0, Double.NaN}),
            publishes(10, 100_000, 20_000, 0),
            KILL,
            KILL + 300_000_000,
            List.of());
    assertThat(r.getBoolean("allResumed")).isFalse();
    assertThat(r.getLong("pagesResumed")).isEqualTo(2);
    assertThat(r.getDouble("resumedP50Seconds")).isEqualTo(3.0);
    assertThat(r.getValue("resumedP99Seconds")).isNull();
    assertThat(r.getValue("allResumedSeconds")).isNull();
    assertThat(r.getValue("welcomedP99Seconds")).isNull();
    for (String key :
        List.of("resumedP50Seconds", "welcomedP50Seconds", "survivorAdmissionPerSecond")) {
      assertThat(r.getDouble(key)).as(key).isPositive();
    }
  }

  @Test
  @DisplayName("publishes never acknowledged during the storm make its ack p99 not a number")
  void unackedPublishes() {
    JsonObject r =
        StormScenario.analyse(
            report(new double[] {1.0}, new double[] {0.5}),
            publishes(100, 100_000, 30_000, 2),
            KILL,
            KILL + 20_000_000,
            List.of());
    assertThat(r.getLong("publishesDuringStorm")).isEqualTo(100);
    assertThat(r.getLong("publishesDuringStormUnacked")).isEqualTo(2);
    assertThat(r.getDouble("publishAckP50Ms")).isBetween(30.0, 30.2);
    assertThat(r.getValue("publishAckP99Ms")).isNull();
  }

  @Test
  @DisplayName(
      "reconnect arrivals: first attempts' spread p5-p95, their busiest second, deferrals; nothing before the "
          + "kill counted")
  void reconnectSpreadAndDeferrals() {
    JsonObject report = report(new double[] {6.0, 7.0, 8.0}, new double[] {5.0, 5.5, 6.5});
    // 100 moved pages whose first attempts are spread evenly over 5 s (as mesh-client's first-retry
    // spread does).
    JsonArray first = new JsonArray();
    JsonArray all = new JsonArray().add(-2_000_000L);
    for (int i = 0; i < 100; i++) {
      first.add(i * 50_000L);
      all.add(i * 50_000L);
    }
    report.put("firstAttemptMicros", first.add(Latencies.NEVER)).put("attemptMicros", all);
    report
        .getJsonArray("retries")
        .add(new JsonArray().add(2_000_000L).add(4006).add(1250).add(true));
    JsonObject r =
        StormScenario.analyse(
            report,
            publishes(10, 100_000, 20_000, 0),
            KILL,
            KILL + 10_000_000,
            List.of(
                new double[] {0.25, 100, 40},
                new double[] {1.0, 150, 90},
                new double[] {3.0, 200, 140}));
    assertThat(r.getDouble("firstReconnectP5Seconds")).isEqualTo(0.25);
    assertThat(r.getDouble("firstReconnectP95Seconds")).isEqualTo(4.75);
    assertThat(r.getDouble("firstReconnectSpreadSeconds")).isEqualTo(4.5);
    assertThat(r.getLong("firstReconnectPeakPerSecond"))
        .as("20 per second, never all at once")
        .isEqualTo(20);
    assertThat(r.getLong("reconnectPeakPerSecond")).isEqualTo(20);
    assertThat(r.getLong("reconnectAttempts"))
        .as("the attempt before the kill is not the storm's")
        .isEqualTo(100);
    assertThat(r.getDouble("survivorDeferred")).isEqualTo(100.0);
    assertThat(r.getLong("deferredRetries")).isEqualTo(1);
    assertThat(r.getJsonObject("perSlot").getJsonArray("firstAttempts").getLong(0)).isEqualTo(2);
    assertThat(r.getJsonArray("survivorOpenedTotalOverTime").getJsonArray(2).getDouble(2))
        .isEqualTo(140.0);
  }

  @Test
  @DisplayName("the busiest second is a sliding window over exact times")
  void busiestSecond() {
    assertThat(StormScenario.busiestSecond(new long[] {})).isZero();
    assertThat(StormScenario.busiestSecond(new long[] {0, 999_999, 1_000_000, 1_999_999}))
        .isEqualTo(2);
    assertThat(StormScenario.busiestSecond(new long[] {0, 500_000, 900_000, 1_400_000, 1_450_000}))
        .isEqualTo(4);
    assertThat(StormScenario.busiestSecond(new long[] {5, 6, Latencies.NEVER, Latencies.NEVER}))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("whatever the pages report, no figure is negative and the percentiles are in order")
  void neverNegativeNorOutOfOrder() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int run = 0; run < 50; run++) {
      int pages = 1 + random.nextInt(40);
      double[] resumed = new double[pages];
      double[] welcomed = new double[pages];
      for (int i = 0; i < pages; i++) {
        welcomed[i] = random.nextInt(10) == 0 ? Double.NaN : random.nextDouble() * 20;
        resumed[i] =
            Double.isNaN(welcomed[i]) || random.nextInt(10) == 0
                ? Double.NaN
                : welcomed[i] + random.nextDouble() * 30;
      }
      JsonObject r =
          StormScenario.analyse(
              report(resumed, welcomed),
              publishes(20, 100_000, 20_000, 0),
              KILL,
              KILL + 60_000_000,
              List.of());
      Double previous = 0.0;
      for (String key :
          List.of(
              "resumedP50Seconds", "resumedP90Seconds", "resumedP99Seconds", "allResumedSeconds")) {
        Double value = r.getDouble(key);
        if (value == null) {
          previous = null;
          continue;
        }
        assertThat(previous).as("%s measured although a lower percentile was not", key).isNotNull();
        assertThat(value).as(key).isGreaterThanOrEqualTo(previous);
        previous = value;
      }
      for (String key : r.fieldNames()) {
        if (r.getValue(key) instanceof Number n) {
          assertThat(n.doubleValue()).as("%s in run %d", key, run).isGreaterThanOrEqualTo(0);
        }
      }
    }
  }
}
