package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
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

  /** Across, same, same, across, ...: pairs of both orders, alternating, for figures by hand. */
  private static boolean[] alternating(int broadcasts) {
    boolean[] across = new boolean[broadcasts];
    for (int i = 0; i < broadcasts; i++) {
      across[i] = i % 4 == 0 || i % 4 == 3;
    }
    return across;
  }

  @Test
  @DisplayName("every pair holds one broadcast of each path, in an order drawn from the seed")
  void order() {
    boolean[] order = BroadcastScenario.hopOrder(200, new Random(42));
    assertThat(order).hasSize(400);
    int acrossFirst = 0;
    for (int k = 0; k < 200; k++) {
      assertThat(order[2 * k]).as("pair %d", k).isNotEqualTo(order[2 * k + 1]);
      acrossFirst += order[2 * k] ? 1 : 0;
    }
    // Both orders, in about equal numbers (P(outside 70..130 of 200) < 1e-5 for a fair coin).
    assertThat(acrossFirst).isBetween(70, 130);
    assertThat(BroadcastScenario.hopOrder(200, new Random(42))).isEqualTo(order);
  }

  @Test
  @DisplayName("the gap between broadcasts varies within a fifth of the gap, around it")
  void jitteredGap() {
    Random random = new Random(7);
    long sum = 0;
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      long gap = BroadcastScenario.jitteredGapMs(500, random);
      assertThat(gap).isBetween(400L, 600L);
      sum += gap;
      seen.add(gap);
    }
    assertThat(sum / 1000.0).isCloseTo(500.0, offset(10.0));
    assertThat(seen.size()).isGreaterThan(100);
  }

  @Test
  @DisplayName("a path list that does not match the broadcasts is refused")
  void pathsMustMatch() {
    assertThatThrownBy(
            () -> BroadcastScenario.hopFigures(List.of(broadcast(1), broadcast(2)), new boolean[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 paths for 2 broadcasts");
  }

  @Test
  @DisplayName("a path 3 ms slower shows as +3 ms paired and in the pooled p50, under drift")
  void constantCost() {
    List<long[]> events = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // Drift of the machine: every broadcast 10 ms slower than the one before it.
      long base = 100 + 10L * i;
      events.add(broadcast(alternating(8)[i] ? base + 3 : base));
    }
    var r = BroadcastScenario.hopFigures(events, alternating(8));
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
    var r = BroadcastScenario.hopFigures(events, alternating(4));
    assertThat(r.getJsonArray("perEventMs").getJsonObject(1).getValue("p50")).isNull();
    // The pair with the empty broadcast counts for nothing; the other pair is 0.
    assertThat(r.getDouble("pairedAddedP50Ms")).isEqualTo(0.0);
    assertThat(
            BroadcastScenario.hopFigures(List.of(new long[0], new long[0]), alternating(2))
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
    var r = BroadcastScenario.hopFigures(events, alternating(8));
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
      events.add(broadcast(alternating(24)[i] ? 100 + i / 2 : 100));
    }
    var r = BroadcastScenario.hopFigures(events, alternating(24));
    assertThat(r.getDouble("pairedAddedP50Ms")).isEqualTo(5.5);
    // P(Binomial(12, 1/2) <= 2) = 1.9 % and <= 3 = 7.3 %: the 3rd and 10th of 12, i.e. 2 and 9 ms.
    assertThat(r.getJsonArray("pairedAddedP50Interval95Ms").getList()).containsExactly(2.0, 9.0);
    assertThat(
            BroadcastScenario.hopFigures(events.subList(0, 8), alternating(8))
                .getValue("pairedAddedP50Interval95Ms"))
        .isNull();
  }

  @Test
  @DisplayName("the runs of a set are pooled pair by pair, in either order, empty pairs left out")
  void pooledOverRuns() {
    // Run 1: 12 pairs, across j ms slower in pair j (0..11), across first in even pairs.
    List<long[]> first = new ArrayList<>();
    boolean[] firstOrder = new boolean[24];
    for (int j = 0; j < 12; j++) {
      firstOrder[2 * j] = j % 2 == 0;
      firstOrder[2 * j + 1] = j % 2 != 0;
      first.add(broadcast(firstOrder[2 * j] ? 100 + j : 100));
      first.add(broadcast(firstOrder[2 * j + 1] ? 100 + j : 100));
    }
    // Run 2: 12 pairs, across 12..23 ms slower, plus one pair whose same-node broadcast nobody
    // received.
    List<long[]> second = new ArrayList<>();
    boolean[] secondOrder = new boolean[26];
    for (int j = 0; j < 13; j++) {
      secondOrder[2 * j] = true;
      second.add(broadcast(112 + j));
      second.add(j == 12 ? new long[0] : broadcast(100));
    }
    var one = BroadcastScenario.hopFigures(first, firstOrder);
    var two = BroadcastScenario.hopFigures(second, secondOrder);
    var pooled =
        BroadcastScenario.pooledHopOfRuns(
                List.of(
                    new JsonObject().put("crossNodeHop", one),
                    new JsonObject().put("crossNodeHop", two)))
            .getJsonObject("crossNodeHop");
    assertThat(pooled.getInteger("runs")).isEqualTo(2);
    assertThat(pooled.getInteger("pairs")).isEqualTo(24);
    // The differences 0..23: median 11.5, 95 % interval the 7th and 18th (P(B(24) <= 6) = 1.1 %).
    assertThat(pooled.getDouble("pairedAddedP50Ms")).isEqualTo(11.5);
    assertThat(pooled.getJsonArray("pairedAddedP50Interval95Ms").getList())
        .containsExactly(6.0, 17.0);
    assertThat(pooled.getDouble("pairedAddedFirstMs")).isEqualTo(11.5);
    assertThat(pooled.getLong("pairsAcrossSlowerP50")).isEqualTo(23);
    // Each run alone says less: its own median.
    assertThat(one.getDouble("pairedAddedP50Ms")).isEqualTo(5.5);
    assertThat(BroadcastScenario.pooledHopOfRuns(List.of(new JsonObject()))).isNull();
  }

  @Test
  @DisplayName("a control's headline figures say that nothing crossed; a real run's do not")
  void controlLabelled() {
    var hop = BroadcastScenario.hopFigures(List.of(broadcast(100), broadcast(100)), alternating(2));
    assertThat(CrossNodeScenario.figures(hop.copy().put("sameNodeControl", true)))
        .allSatisfy(f -> assertThat(f.label()).endsWith("[control: nothing crosses]"));
    assertThat(CrossNodeScenario.figures(hop.copy().put("sameNodeControl", false)))
        .noneSatisfy(f -> assertThat(f.label()).contains("control"));
  }

  @Test
  @DisplayName(
      "connect figures: the second wave's CPU and its Mesh/raw ratio beside the first wave's; none without a second wave")
  void secondWaveFigures() {
    java.util.function.BiFunction<Double, Double, JsonObject> target =
        (first, second) -> {
          JsonObject t =
              new JsonObject()
                  .put("edgeCpuSecondsPer1000Connects", first)
                  .put("allCpuSecondsPer1000Connects", first)
                  .put("rssBytesPerConnection", 20_480L);
          return second == null
              ? t
              : t.put("secondWave", new JsonObject().put("edgeCpuSecondsPer1000Connects", second));
        };
    var figures =
        ConnectIdleScenario.figures(
            target.apply(1.5, 0.6), target.apply(1.0, 0.5), target.apply(0.5, 0.4));
    java.util.Map<String, Double> byKey = new java.util.HashMap<>();
    figures.forEach(f -> byKey.put(f.key(), f.value()));
    assertThat(byKey)
        .containsEntry("connectCpu.meshOverRaw", 1.5)
        .containsEntry("connectSecondWaveCpuSecPer1000.mesh", 0.6)
        .containsEntry("connectSecondWaveCpuSecPer1000.socketio", 0.4)
        .containsEntry("connectSecondWaveCpu.meshOverRaw", 1.2);
    var withoutSecondWave =
        ConnectIdleScenario.figures(
            target.apply(1.5, null), target.apply(1.0, null), target.apply(0.5, null));
    assertThat(withoutSecondWave)
        .filteredOn(f -> f.key().startsWith("connectSecondWave"))
        .hasSize(4)
        .allSatisfy(f -> assertThat(f.value()).isNull());
  }

  @Test
  @DisplayName(
      "connect figures with --waves: the last of the later waves gives the last-wave CPU and ratio; none with one later wave")
  void lastWaveFigures() {
    java.util.function.Function<double[], JsonObject> target =
        waves -> {
          JsonArray later = new JsonArray();
          for (int i = 1; i < waves.length; i++) {
            later.add(
                new JsonObject().put("wave", i + 1).put("edgeCpuSecondsPer1000Connects", waves[i]));
          }
          return new JsonObject()
              .put("edgeCpuSecondsPer1000Connects", waves[0])
              .put("allCpuSecondsPer1000Connects", waves[0])
              .put("rssBytesPerConnection", 20_480L)
              .put("secondWave", later.getJsonObject(0))
              .put("laterWaves", later.size() > 1 ? later : null);
        };
    java.util.Map<String, Double> byKey = new java.util.HashMap<>();
    ConnectIdleScenario.figures(
            target.apply(new double[] {1.1, 0.8, 0.7, 0.66}),
            target.apply(new double[] {0.9, 0.45, 0.27, 0.22}),
            target.apply(new double[] {0.6, 0.5, 0.5, 0.5}))
        .forEach(f -> byKey.put(f.key(), f.value()));
    assertThat(byKey)
        .containsEntry("connectSecondWaveCpu.meshOverRaw", 1.78)
        .containsEntry("connectLastWaveCpuSecPer1000.mesh", 0.66)
        .containsEntry("connectLastWaveCpuSecPer1000.raw", 0.22)
        .containsEntry("connectLastWaveCpu.meshOverRaw", 3.0);
    assertThat(
            ConnectIdleScenario.figures(
                target.apply(new double[] {1.1, 0.8}),
                target.apply(new double[] {0.9, 0.45}),
                target.apply(new double[] {0.6, 0.5})))
        .noneMatch(f -> f.key().startsWith("connectLastWave"));
  }

  @Test
  @DisplayName("a connect pace too slow to open every page within a start's time is refused")
  void tooSlowConnectPaceRefused() {
    // 540 s is the most a phase may take here: 10,000 pages need 19 a second.
    ConnectIdleScenario.requireStartsInTime(10_000, 19);
    ConnectIdleScenario.requireStartsInTime(10_000, 0);
    assertThatThrownBy(() -> ConnectIdleScenario.requireStartsInTime(10_000, 18))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--rate 18 opens 10000 pages in 555 s")
        .hasMessageContaining("use --rate 19 or more");
    // And before any server: a repository with no built service jars would fail differently.
    LoadContext ctx =
        new LoadContext(
            LoadOptions.parse(new String[] {"idle", "--n", "10000", "--rate", "5"}, Path.of("out")),
            Path.of("no-such-repository"));
    assertThatThrownBy(() -> new ConnectIdleScenario().run(ctx))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--rate 5 opens 10000 pages");
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
