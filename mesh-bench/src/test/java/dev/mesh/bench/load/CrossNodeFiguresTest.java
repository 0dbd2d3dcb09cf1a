package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Cross-node figures: each broadcast counted on its path, pairs compared one by one")
class CrossNodeFiguresTest {

  /** Sorted latencies (µs) of one broadcast: 100 deliveries from base to base + 99 ms. */
  private static long[] broadcast(long baseMs) {
    long[] out = new long[100];
    for (int i = 0; i < out.length; i++) {
      out[i] = (baseMs + i) * 1000;
    }
    return out;
  }

  @Test
  @DisplayName("the order is across, same, same, across: every pair holds one broadcast of each")
  void order() {
    List<Boolean> paths = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      paths.add(BroadcastScenario.isAcross(i));
    }
    assertThat(paths).containsExactly(true, false, false, true, true, false, false, true);
  }

  @Test
  @DisplayName("a path 3 ms slower shows as +3 ms paired and in the pooled p50, under drift")
  void constantCost() {
    List<long[]> events = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // Drift of the machine: every broadcast 10 ms slower than the one before it.
      long base = 100 + 10L * i;
      events.add(broadcast(BroadcastScenario.isAcross(i) ? base + 3 : base));
    }
    var r = BroadcastScenario.hopFigures(events);
    assertThat(r.getInteger("pairs")).isEqualTo(4);
    assertThat(r.getInteger("deliveredAcross")).isEqualTo(400);
    assertThat(r.getInteger("deliveredSame")).isEqualTo(400);
    // Pairs (across first, then same first): +3 - 10 = -7 and +3 + 10 = +13, twice each.
    assertThat(r.getDouble("pairedAddedP50Ms")).isEqualTo(3.0);
    assertThat(r.getDouble("pairedAddedP99Ms")).isEqualTo(3.0);
    assertThat(r.getDouble("addedP50Ms")).isEqualTo(3.0);
    assertThat(r.getJsonArray("perEventMs")).hasSize(8);
  }

  @Test
  @DisplayName("a broadcast nobody received is no figure, not a 0 that would pass for one")
  void emptyBroadcast() {
    List<long[]> events = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      events.add(broadcast(100));
    }
    events.set(1, new long[0]);
    var r = BroadcastScenario.hopFigures(events);
    assertThat(r.getJsonArray("perEventMs").getJsonObject(1).getValue("p50")).isNull();
    // The pair with the empty broadcast counts for nothing; the other pair is 0.
    assertThat(r.getDouble("pairedAddedP50Ms")).isEqualTo(0.0);
    assertThat(
            BroadcastScenario.hopFigures(List.of(new long[0], new long[0]))
                .getValue("pairedAddedP50Ms"))
        .isNull();
  }

  @Test
  @DisplayName("one slow broadcast moves the pooled p99, not the median over pairs")
  void oneSlowBroadcast() {
    List<long[]> events = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      events.add(broadcast(100));
    }
    events.set(3, broadcast(600));
    var r = BroadcastScenario.hopFigures(events);
    assertThat(r.getDouble("addedP99Ms")).isGreaterThan(100.0);
    assertThat(r.getDouble("pairedAddedP99Ms")).isEqualTo(0.0);
  }
}
