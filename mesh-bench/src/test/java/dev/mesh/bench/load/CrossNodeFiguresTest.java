package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
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
    assertThat(r.getDouble("pairedAddedFirstMs")).isEqualTo(3.0);
    assertThat(r.getJsonArray("perEventMs").getJsonObject(1).getDouble("first")).isEqualTo(110.0);
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

  @Test
  @DisplayName("the median's 95 % interval is the binomial order statistics, none under 6 pairs")
  void medianInterval() {
    List<Double> twenty = new ArrayList<>();
    for (int i = 20; i >= 1; i--) {
      twenty.add((double) i);
    }
    twenty.add(Double.NaN);
    // P(Binomial(20, 1/2) <= 5) = 2.07 % and <= 6 = 5.77 %: the 6th and 15th of 20.
    assertThat(BroadcastScenario.medianInterval95(twenty)).containsExactly(6.0, 15.0);
    // 6 values: only the extremes, at 1 - 2/64 = 96.9 %; 5 values cannot reach 95 %.
    assertThat(BroadcastScenario.medianInterval95(List.of(3.0, 1.0, 2.0, 6.0, 5.0, 4.0)))
        .containsExactly(1.0, 6.0);
    assertThat(BroadcastScenario.medianInterval95(List.of(1.0, 2.0, 3.0, 4.0, 5.0))).isNull();
    // 200 pairs: the interval narrows to the 86th and 115th (P(B <= 85) = 2.0 %).
    List<Double> many = new ArrayList<>();
    for (int i = 1; i <= 200; i++) {
      many.add((double) i);
    }
    assertThat(BroadcastScenario.medianInterval95(many)).containsExactly(86.0, 115.0);
  }

  @Test
  @DisplayName("the figures carry the paired median's interval, null when too few pairs")
  void intervalInFigures() {
    List<long[]> events = new ArrayList<>();
    // Pair j (broadcasts 2j, 2j+1): the across one j ms slower, so the 12 differences are 0..11.
    for (int i = 0; i < 24; i++) {
      events.add(broadcast(BroadcastScenario.isAcross(i) ? 100 + i / 2 : 100));
    }
    var r = BroadcastScenario.hopFigures(events);
    assertThat(r.getDouble("pairedAddedP50Ms")).isEqualTo(5.5);
    // P(Binomial(12, 1/2) <= 2) = 1.9 % and <= 3 = 7.3 %: the 3rd and 10th of 12, i.e. 2 and 9 ms.
    assertThat(r.getJsonArray("pairedAddedP50Interval95Ms").getList()).containsExactly(2.0, 9.0);
    assertThat(
            BroadcastScenario.hopFigures(events.subList(0, 8))
                .getValue("pairedAddedP50Interval95Ms"))
        .isNull();
  }

  @Test
  @DisplayName(
      "--rate gives the gap between broadcasts, rounded to ms; over 1,000 a second refused")
  void gapFromRate() {
    assertThat(BroadcastScenario.hopGapMs(BroadcastScenario.DEFAULT_HOP_BROADCASTS_PER_SECOND))
        .isEqualTo(500);
    assertThat(BroadcastScenario.hopGapMs(10)).isEqualTo(100);
    assertThat(BroadcastScenario.hopGapMs(3)).isEqualTo(333);
    assertThat(BroadcastScenario.hopGapMs(1000)).isEqualTo(1);
    assertThatThrownBy(() -> BroadcastScenario.hopGapMs(1001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 1000");
  }

  @Test
  @DisplayName(
      "a --rate the hop cannot use fails crossnode, broadcast and compare before any server")
  void badRateRefusedFirst() {
    // A repository with no built service jars: reaching any server start would fail differently.
    LoadContext ctx =
        new LoadContext(
            LoadOptions.parse(new String[] {"crossnode", "--rate", "2000"}, Path.of("out")),
            Path.of("no-such-repository"));
    for (Scenario scenario :
        List.of(new CrossNodeScenario(), new BroadcastScenario(), new CompareScenario())) {
      assertThatThrownBy(() -> scenario.run(ctx))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1 to 1000 broadcasts a second, was 2000");
    }
  }
}
