package dev.mesh.bench.load;

import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Latency samples in microseconds, and the one percentile rule every figure of the bench uses:
 * nearest rank (the smallest sample at or above p % of the samples), so a percentile is always a
 * value that was measured.
 */
final class Latencies {

  /**
   * Marks a page or message that never got there: sorts after every measured value and has no
   * percentile value.
   */
  static final long NEVER = Long.MAX_VALUE;

  private long[] samples = new long[1024];
  private int size;

  synchronized void add(long micros) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = micros;
  }

  synchronized void addAll(long[] micros) {
    for (long m : micros) {
      add(m);
    }
  }

  synchronized int count() {
    return size;
  }

  synchronized void clear() {
    size = 0;
  }

  synchronized long[] sorted() {
    long[] copy = Arrays.copyOf(samples, size);
    Arrays.sort(copy);
    return copy;
  }

  /**
   * Index of the nearest-rank p-th percentile (p in [0, 100]) in a sorted array of {@code length}
   * samples.
   */
  static int rank(int length, double p) {
    if (p < 0 || p > 100 || Double.isNaN(p)) {
      throw new IllegalArgumentException("percentile out of [0, 100]: " + p);
    }
    return (int) Math.min(length - 1, Math.max(0, Math.ceil(p / 100.0 * length) - 1));
  }

  /** p in [0, 100] of sorted microseconds, in milliseconds; NaN without samples. */
  static double percentileMillis(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[rank(sorted.length, p)] / 1000.0;
  }

  /**
   * p in [0, 100] of sorted microseconds where {@link #NEVER} marks what never happened, in
   * milliseconds; empty when there are no samples or when the percentile falls on one of the {@link
   * #NEVER}s (then there is no time to give: "p99 of the pages resumed within X" would hide the
   * ones that did not).
   */
  static OptionalDouble percentileMillisOrNever(long[] sorted, double p) {
    if (sorted.length == 0) {
      return OptionalDouble.empty();
    }
    long value = sorted[rank(sorted.length, p)];
    return value == NEVER ? OptionalDouble.empty() : OptionalDouble.of(value / 1000.0);
  }

  String summary() {
    long[] s = sorted();
    return String.format(
        Locale.ROOT,
        "n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms",
        s.length,
        percentileMillis(s, 50),
        percentileMillis(s, 99),
        percentileMillis(s, 100));
  }

  /**
   * The mean in milliseconds of a timer read from {@code /metrics}: its sum in seconds over its
   * count, rounded to 0.01 ms; null when either is missing (NaN: a scrape that failed) or nothing
   * was counted, never 0 for an unknown.
   */
  static Double meanMillisOrNull(double sumSeconds, double count) {
    if (!Double.isFinite(sumSeconds) || !Double.isFinite(count) || count <= 0) {
      return null;
    }
    return LoadContext.round(sumSeconds / count * 1000);
  }
}
