package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Fleet: a pace or concurrency split over generator processes adds up to what was asked")
class FleetShareTest {

  private static int[] parts(int total, int processes) {
    return IntStream.range(0, processes).map(h -> Fleet.share(total, processes, h)).toArray();
  }

  @Test
  @DisplayName("800 a second over 3 processes opens 800 a second, not 798")
  void remainderIsNotDropped() {
    assertThat(parts(800, 3)).containsExactly(266, 267, 267);
    assertThat(parts(800, 1)).containsExactly(800);
  }

  @Test
  @DisplayName("for every total and process count: parts sum to the total and differ by at most 1")
  void exactAndEven() {
    for (int processes = 1; processes <= 8; processes++) {
      for (int total = processes; total <= 2_000; total++) {
        int[] parts = parts(total, processes);
        assertThat(IntStream.of(parts).sum()).as("%d over %d", total, processes).isEqualTo(total);
        assertThat(IntStream.of(parts).max().getAsInt() - IntStream.of(parts).min().getAsInt())
            .as("%d over %d", total, processes)
            .isLessThanOrEqualTo(1);
      }
    }
  }

  @Test
  @DisplayName("a total below the process count still gives every process 1: 0 would mean unpaced")
  void neverZero() {
    assertThat(parts(2, 3)).containsExactly(1, 1, 1);
  }
}
