package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Latencies: nearest-rank percentiles of known samples")
class LatenciesTest {

  /** 1 ms, 2 ms, ..., 100 ms in microseconds, recorded out of order. */
  private static long[] oneToHundredMillis() {
    Latencies l = new Latencies();
    for (int i = 100; i >= 1; i--) {
      l.add(i * 1000L);
    }
    return l.sorted();
  }

  @Test
  @DisplayName("p50, p90, p99 and p100 of 1..100 ms are 50, 90, 99 and 100 ms; p0 is the smallest")
  void knownSamples() {
    long[] sorted = oneToHundredMillis();
    assertThat(Latencies.percentileMillis(sorted, 50)).isEqualTo(50.0);
    assertThat(Latencies.percentileMillis(sorted, 90)).isEqualTo(90.0);
    assertThat(Latencies.percentileMillis(sorted, 99)).isEqualTo(99.0);
    assertThat(Latencies.percentileMillis(sorted, 99.9)).isEqualTo(100.0);
    assertThat(Latencies.percentileMillis(sorted, 100)).isEqualTo(100.0);
    assertThat(Latencies.percentileMillis(sorted, 0)).isEqualTo(1.0);
  }

  @Test
  @DisplayName(
      "a percentile is always a measured sample: one sample is every percentile, none is NaN")
  void fewSamples() {
    assertThat(Latencies.percentileMillis(new long[] {7_000}, 50)).isEqualTo(7.0);
    assertThat(Latencies.percentileMillis(new long[] {7_000}, 99)).isEqualTo(7.0);
    assertThat(Latencies.percentileMillis(new long[] {1_000, 3_000}, 50)).isEqualTo(1.0);
    assertThat(Latencies.percentileMillis(new long[0], 50)).isNaN();
    assertThatThrownBy(() -> Latencies.percentileMillis(new long[] {1}, 101))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName(
      "what never happened has no percentile value: p99 of 100 pages with 2 never resumed is none, p98 is")
  void never() {
    long[] values = new long[100];
    for (int i = 0; i < 98; i++) {
      values[i] = (i + 1) * 1000L;
    }
    values[98] = Latencies.NEVER;
    values[99] = Latencies.NEVER;
    java.util.Arrays.sort(values);
    assertThat(Latencies.percentileMillisOrNever(values, 98)).hasValue(98.0);
    assertThat(Latencies.percentileMillisOrNever(values, 99)).isEmpty();
    assertThat(Latencies.percentileMillisOrNever(values, 50)).hasValue(50.0);
    assertThat(Latencies.percentileMillisOrNever(new long[0], 50)).isEmpty();
  }

  @Test
  @DisplayName(
      "a timer's mean from /metrics: sum over count in ms; unknown (a failed scrape, nothing counted) is null, not 0")
  void meanOfAScrapedTimer() {
    assertThat(Latencies.meanMillisOrNull(1.5, 1000)).isEqualTo(1.5);
    assertThat(Latencies.meanMillisOrNull(613.334, 1000)).isEqualTo(613.33);
    assertThat(Latencies.meanMillisOrNull(Double.NaN, 1000)).isNull();
    assertThat(Latencies.meanMillisOrNull(1.5, Double.NaN)).isNull();
    assertThat(Latencies.meanMillisOrNull(0, 0)).isNull();
  }
}
