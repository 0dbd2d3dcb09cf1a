package dev.mesh.bench.load;

import java.util.Arrays;
import java.util.Locale;

/** Latency samples in microseconds; percentiles by sorting (fine for a few million samples). */
final class Latencies {

  private long[] samples = new long[1024];
  private int size;

  synchronized void add(long micros) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = micros;
  }

  synchronized int count() {
    return size;
  }

  synchronized long[] sorted() {
    long[] copy = Arrays.copyOf(samples, size);
    Arrays.sort(copy);
    return copy;
  }

  /** p in [0, 100], in milliseconds. */
  static double percentileMillis(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100.0 * sorted.length) - 1));
    return sorted[index] / 1000.0;
  }

  String summary() {
    long[] s = sorted();
    return String.format(Locale.ROOT, "n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms", s.length, percentileMillis(s, 50),
        percentileMillis(s, 99), percentileMillis(s, 100));
  }
}
