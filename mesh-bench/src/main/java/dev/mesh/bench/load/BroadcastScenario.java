package dev.mesh.bench.load;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.LoadPage;
import dev.mesh.bench.load.Headlines.Figure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * broadcast: one ~100-byte event to N subscribers, {@code --events} times, 500 ms apart, against
 * raw Vert.x, Mesh on one node, Mesh on two (publisher on the first: half the subscribers are
 * reached across the cluster) and Socket.IO; per-delivery latency. Then what crossing nodes adds on
 * its own: two nodes, every subscriber on the second, events published alternately on the first
 * (across) and on the second (same node).
 */
final class BroadcastScenario implements Scenario {

  static final String CHANNEL = "bench:bcast";

  /** Percentiles kept in the result file for the latency plot. */
  private static final double[] PLOTTED = {
    0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97, 98, 99, 99.5, 99.9, 100
  };

  @Override
  public String description() {
    return "one event to N subscribers, --events times: raw Vert.x, Mesh 1 and 2 nodes, Socket.IO; delivery latency;"
        + " then the cross-node hop (as crossnode)";
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    // A --rate the cross-node hop cannot use is refused now, not after the other targets.
    hopGapMs(ctx);
    ctx.requireSocketsPerServer(
        "broadcast (raw Vert.x, Mesh on one node and Socket.IO; the cross-node hop)", ctx.n() + 2L);
    JsonObject raw = measure(ctx, ctx.raw());
    JsonObject mesh1 = measure(ctx, ctx.mesh(1));
    JsonObject mesh2 = measure(ctx, ctx.mesh(2));
    JsonObject io = measure(ctx, ctx.socketIo());
    JsonObject hop = measureHop(ctx, ctx.mesh(2));
    return new Run(
        new JsonObject()
            .put("targets", new JsonArray().add(raw).add(mesh1).add(mesh2).add(io))
            .put("crossNodeHop", hop),
        figures(raw, mesh1, mesh2, io, hop));
  }

  @Override
  public JsonObject acrossRuns(List<JsonObject> runDetails) {
    return pooledHopOfRuns(runDetails);
  }

  static List<Figure> figures(
      JsonObject raw, JsonObject mesh1, JsonObject mesh2, JsonObject io, JsonObject hop) {
    List<Figure> out = new ArrayList<>();
    for (JsonObject t : List.of(raw, mesh1, mesh2, io)) {
      String name = t.getString("target");
      out.add(
          Figure.lower(
              "broadcastP50Ms." + name, "broadcast p50, " + name, "ms", t.getDouble("p50Ms")));
      out.add(
          Figure.lower(
              "broadcastP99Ms." + name, "broadcast p99, " + name, "ms", t.getDouble("p99Ms")));
    }
    out.addAll(CrossNodeScenario.figures(hop));
    out.add(
        Figure.lower(
            "splitOverTwoNodesAddedP50Ms",
            "broadcast split over 2 nodes: added p50 (2 nodes - 1 node)",
            "ms",
            diff(mesh2.getDouble("p50Ms"), mesh1.getDouble("p50Ms"))));
    out.add(
        Figure.lower(
            "splitOverTwoNodesAddedP99Ms",
            "broadcast split over 2 nodes: added p99 (2 nodes - 1 node)",
            "ms",
            diff(mesh2.getDouble("p99Ms"), mesh1.getDouble("p99Ms"))));
    out.add(
        Figure.lower(
            "broadcastP99.meshOverRaw",
            "broadcast p99 Mesh 1 node / raw",
            "x",
            LoadContext.ratio(mesh1.getDouble("p99Ms"), raw.getDouble("p99Ms"))));
    out.add(
        Figure.lower(
            "broadcastP99.meshOverSocketIo",
            "broadcast p99 Mesh 1 node / Socket.IO",
            "x",
            LoadContext.ratio(mesh1.getDouble("p99Ms"), io.getDouble("p99Ms"))));
    return out;
  }

  private static Double diff(Double a, Double b) {
    return a == null || b == null ? null : LoadContext.round(a - b);
  }

  /**
   * Broadcasts to N subscribers of {@code target}; per-delivery latency and server CPU per
   * broadcast.
   */
  static JsonObject measure(LoadContext ctx, Target target) throws Exception {
    int n = ctx.n();
    int events = ctx.events();
    try (target;
        Fleet fleet = ctx.fleet(n)) {
      fleet.label(target.name() + " broadcast");
      fleet.create("bc", target, n, LoadContext.steady(), CHANNEL);
      int failed = fleet.start("bc", 200, Duration.ofMinutes(10));
      // The publisher is on the first node: with two nodes, half of the subscribers are reached
      // across the cluster.
      LoadPage publisher =
          target.speaksSocketIo()
              ? fleet.socketIoPublisher("bcpub", target.endpoints().get(0))
              : fleet.publisher("bcpub", 0, target.endpoints().subList(0, 1), LoadContext.steady());
      LoadContext.await(publisher.start(), Duration.ofSeconds(30));
      fleet.mark();
      for (int i = 0; i < 3; i++) {
        LoadContext.await(
            publisher.publish(CHANNEL, LoadContext.payload(-1 - i)), Duration.ofSeconds(30));
      }
      long expectedWarm = 3L * (n - failed);
      fleet.awaitDelivered(expectedWarm, Duration.ofSeconds(60));
      long warmDelivered = fleet.received();
      fleet.mark();
      double edgeCpu0 = target.edgeCpu();
      double allCpu0 = target.allCpu();
      target.startProfile(ctx.jfr());
      for (int i = 0; i < events; i++) {
        publisher.publish(CHANNEL, LoadContext.payload(i));
        Thread.sleep(500);
      }
      long expected = (long) events * (n - failed);
      boolean all = fleet.awaitDelivered(expected, Duration.ofSeconds(60));
      target.dumpProfile(ctx.jfr(), "broadcast-" + target.name());
      double edgeCpu = target.edgeCpu() - edgeCpu0;
      double allCpu = target.allCpu() - allCpu0;
      long[] sorted = fleet.latencies();
      JsonObject r =
          target
              .describe()
              .put("subscribers", n)
              .put("failedSubscribers", failed)
              .put("events", events)
              .put("generatorProcesses", fleet.processes())
              .put("delivered", sorted.length)
              .put("expected", expected)
              .put("allDelivered", all)
              .put("p50Ms", LoadContext.round(Latencies.percentileMillis(sorted, 50)))
              .put("p99Ms", LoadContext.round(Latencies.percentileMillis(sorted, 99)))
              .put("maxMs", LoadContext.round(Latencies.percentileMillis(sorted, 100)))
              .put("edgeCpuMsPerBroadcast", LoadContext.round(edgeCpu * 1000 / events))
              .put("allCpuMsPerBroadcast", LoadContext.round(allCpu * 1000 / events))
              .put("warmupDeliveries", warmDelivered)
              .put("latencyPercentilesMs", percentiles(sorted))
              .put("latencyHistogram", histogram(sorted, 40));
      LoadContext.print(r.copy().put("latencyPercentilesMs", "...").put("latencyHistogram", "..."));
      return r;
    }
  }

  /**
   * What crossing nodes adds, with everything else held equal: two nodes, all N subscribers on the
   * second, {@code --events} broadcasts published from a page on the first node (every delivery
   * crosses the cluster) and as many from a page on the second (none does), {@code --rate} a second
   * (default 2: 500 ms apart, give or take a fifth) in pairs of one of each, the order within each
   * pair drawn at random ({@link #hopOrder}; the seed is in the result), so that drift of a shared
   * machine, one slow broadcast and anything periodic fall on both alike; each event is tagged with
   * its path. Both paths go through replay-service and its publish to the channel's address; only
   * the publisher's edge differs. With {@code --same-node-control on} both publishing pages are on
   * the subscribers' node: the figures then measure the procedure itself, which should find
   * nothing.
   *
   * <p>With {@code --companion on} (the default) each measured publish has a companion: right after
   * it, the page on the other node publishes to {@link #WARM_CHANNEL}. Without it the two paths
   * differ in more than the crossing: on the same-node path the subscribers' edge has just handled
   * the publish frame when the event comes back, on the cross-node path it has idled since the last
   * broadcast, and on this 2-core machine that alone moved the figure at 1,000 subscribers by about
   * 1.4 ms (twelfth and eighteenth measurements in docs/bench/README.md). With the companion both
   * edges take one publish frame at every broadcast, whichever path is measured.
   */
  static JsonObject measureHop(LoadContext ctx, Target target) throws Exception {
    int n = ctx.n();
    // An even count: the pairs (across, same) and (same, across) come in equal numbers, so that a
    // drift of the machine cancels in the median over the pairs.
    int eachWay = ctx.events() + ctx.events() % 2;
    int perSecond = ctx.options.rateOr(DEFAULT_HOP_BROADCASTS_PER_SECOND);
    long gapMs = hopGapMs(ctx);
    try (target;
        Fleet fleet = ctx.fleet(n)) {
      fleet.label(target.name() + " cross-node hop");
      List<Endpoint> endpoints = target.endpoints();
      if (endpoints.size() < 2) {
        throw new IllegalArgumentException("the cross-node hop needs two nodes");
      }
      fleet.createOn("hop", endpoints.subList(1, 2), n, LoadContext.steady(), CHANNEL);
      fleet.createOn("hopwarm", endpoints.subList(1, 2), 1, LoadContext.steady(), WARM_CHANNEL);
      int failed = fleet.start("hop", 200, Duration.ofMinutes(10));
      if (fleet.start("hopwarm", 1, Duration.ofMinutes(1)) > 0) {
        throw new IllegalStateException("the warm-up's subscriber could not connect");
      }
      // The control puts the "across" page on the subscribers' node too: nothing crosses, so what
      // the figures show then is the procedure's own spread and bias.
      boolean control = ctx.options.sameNodeControl();
      int acrossNode = control ? 1 : 0;
      LoadPage across =
          fleet.publisher(
              "hopacross", 0, endpoints.subList(acrossNode, acrossNode + 1), LoadContext.steady());
      LoadPage same = fleet.publisher("hopsame", 1, endpoints.subList(1, 2), LoadContext.steady());
      LoadContext.await(across.start(), Duration.ofSeconds(30));
      LoadContext.await(same.start(), Duration.ofSeconds(30));
      warmPublishPaths(fleet, List.of(across, same));
      fleet.mark();
      // Warm-up, not counted: the first broadcasts of a fresh mesh run interpreted code and are
      // two to three times slower than the rest, as much on one path as the other, which only
      // widens the spread the difference is read from.
      boolean companion = ctx.options.companion();
      long perBroadcast = (long) (n - failed) + (companion ? 1 : 0);
      List<Future<JsonObject>> companions = new ArrayList<>();
      for (int i = 0; i < WARMUP_EACH_WAY; i++) {
        for (LoadPage p : List.of(across, same)) {
          Future<JsonObject> measured = p.publish(CHANNEL, LoadContext.payload(-1 - i));
          if (companion) {
            companions.add(publishCompanion(p == across ? same : across, i));
          }
          LoadContext.await(measured, Duration.ofSeconds(30));
          Thread.sleep(100);
        }
      }
      // Late warm-up deliveries after the mark would count towards the measured ones.
      if (!fleet.awaitDelivered(2L * WARMUP_EACH_WAY * perBroadcast, Duration.ofMinutes(2))) {
        throw new IllegalStateException("the warm-up broadcasts were not all delivered in 2 min");
      }
      long orderSeed = new SecureRandom().nextLong();
      Random schedule = new Random(orderSeed);
      boolean[] order = hopOrder(eachWay, schedule);
      fleet.mark();
      for (int i = 0; i < 2 * eachWay; i++) {
        (order[i] ? across : same).publish(CHANNEL, LoadContext.payload(i, pathTag(order, i)));
        if (companion) {
          companions.add(publishCompanion(order[i] ? same : across, i));
        }
        Thread.sleep(jitteredGapMs(gapMs, schedule));
      }
      boolean all = fleet.awaitDelivered(2L * eachWay * perBroadcast, Duration.ofSeconds(60));
      // A refused companion would leave its broadcast a delivery short and the run incomplete
      // without saying why.
      try {
        LoadContext.await(Future.all(companions), Duration.ofSeconds(30));
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(
            "a companion publish to " + WARM_CHANNEL + " failed: " + e.getCause(), e.getCause());
      }
      List<long[]> perEvent = new ArrayList<>();
      for (int i = 0; i < 2 * eachWay; i++) {
        perEvent.add(fleet.latencies(pathTag(order, i)));
      }
      JsonObject r =
          target
              .describe()
              .put("subscribers", n)
              .put("subscribersOnNode", 2)
              .put("failedSubscribers", failed)
              .put("eventsEachWay", eachWay)
              .put("broadcastsPerSecond", perSecond)
              .put("gapMs", gapMs)
              .put("companionPublish", companion)
              .put("sameNodeControl", control)
              .put("orderSeed", orderSeed)
              .put("allDelivered", all);
      r.mergeIn(hopFigures(perEvent, order));
      LoadContext.print(r.copy().put("perEventMs", "..."));
      return r;
    }
  }

  /**
   * The companion of measured broadcast {@code i}, from the page on the other node to {@link
   * #WARM_CHANNEL}: awaited only once every broadcast is out, so that it never delays the next one;
   * its one delivery is counted with the broadcast's.
   */
  private static Future<JsonObject> publishCompanion(LoadPage other, int i) {
    return other.publish(WARM_CHANNEL, LoadContext.payload(-1_000_000 - i));
  }

  /**
   * A channel with one subscriber on the subscribers' node, to warm the publish paths and to take
   * the companion publishes.
   */
  static final String WARM_CHANNEL = "bench:hopwarm";

  /** Publishes each publisher sends to {@link #WARM_CHANNEL} before anything is measured. */
  static final int WARM_PUBLISHES_EACH = 3000;

  /**
   * Runs each publisher's whole path (its node's edge, the publish service wherever the bus sends
   * it, the live event crossing to the subscribers' node) a few thousand times before anything is
   * measured. Without it the other node has compiled almost nothing of its part: it handles only
   * the measured publishes, while the subscribers' node runs its shared code on every delivery, so
   * the comparison would measure the JIT of one side against the other, not the hop.
   */
  private static void warmPublishPaths(Fleet fleet, List<LoadPage> publishers) throws Exception {
    fleet.mark();
    for (int sent = 0; sent < WARM_PUBLISHES_EACH; sent += 50) {
      List<Future<JsonObject>> window = new ArrayList<>();
      for (int i = sent; i < Math.min(WARM_PUBLISHES_EACH, sent + 50); i++) {
        for (LoadPage p : publishers) {
          window.add(p.publish(WARM_CHANNEL, LoadContext.payload(-100 - i)));
        }
      }
      LoadContext.await(Future.all(window), Duration.ofSeconds(60));
    }
    if (!fleet.awaitDelivered(
        (long) WARM_PUBLISHES_EACH * publishers.size(), Duration.ofMinutes(1))) {
      throw new IllegalStateException("the publish-path warm-up was not all delivered in 1 min");
    }
  }

  /** Broadcasts on each path before the cross-node measurement starts. */
  static final int WARMUP_EACH_WAY = 10;

  /**
   * Broadcasts a second of the cross-node measurement unless {@code --rate} says otherwise: 500 ms
   * apart, so that even 10,000 deliveries of one are done before the next. How long the
   * subscribers' node idles between broadcasts changes the figure (twelfth measurement).
   */
  static final int DEFAULT_HOP_BROADCASTS_PER_SECOND = 2;

  /**
   * The gap between the hop's broadcasts at {@code perSecond}, rounded to whole milliseconds (the
   * result keeps the gap used, not only the rate asked); more than 1,000 a second is refused.
   */
  static long hopGapMs(LoadContext ctx) {
    return hopGapMs(ctx.options.rateOr(DEFAULT_HOP_BROADCASTS_PER_SECOND));
  }

  static long hopGapMs(int perSecond) {
    if (perSecond < 1 || perSecond > 1000) {
      throw new IllegalArgumentException(
          "--rate for the cross-node hop is 1 to 1000 broadcasts a second, was " + perSecond);
    }
    return Math.round(1000.0 / perSecond);
  }

  /**
   * Which broadcasts of the cross-node measurement are published across nodes (the others on the
   * subscribers' node): broadcasts 2k and 2k+1 are a pair, one of each path, and a coin decides
   * which goes first. A fixed order lets anything periodic on the machine side with one path: at
   * 500 ms a broadcast, a fixed across-same-same-across order puts every task with a period of a
   * multiple of 2 s (the edge's 10 s registry check among them) on the same position of the four.
   */
  static boolean[] hopOrder(int pairs, Random random) {
    boolean[] across = new boolean[2 * pairs];
    for (int k = 0; k < pairs; k++) {
      boolean acrossFirst = random.nextBoolean();
      across[2 * k] = acrossFirst;
      across[2 * k + 1] = !acrossFirst;
    }
    return across;
  }

  /**
   * The gap after a broadcast: {@code gapMs} give or take a fifth, uniformly, so that the
   * broadcasts do not keep one phase against a periodic task either.
   */
  static long jitteredGapMs(long gapMs, Random random) {
    return Math.round(gapMs * (0.8 + 0.4 * random.nextDouble()));
  }

  private static String pathTag(boolean[] order, int i) {
    return (order[i] ? "across-" : "same-") + i;
  }

  /**
   * The cross-node figures from the sorted latencies of each broadcast, in publishing order: the
   * pooled percentiles of each path and their difference, and the same difference taken pair by
   * pair (broadcasts 2k and 2k+1 are one of each path, one gap apart; {@code across} says which
   * broadcast went across, as {@link #hopOrder} drew it) with the median over the pairs: at 10,000
   * subscribers one broadcast's tail varies by hundreds of milliseconds with the shared machine,
   * which the pooled p99 passes on whole and the paired median does not.
   */
  static JsonObject hopFigures(List<long[]> perEvent, boolean[] across) {
    if (across.length != perEvent.size()) {
      throw new IllegalArgumentException(
          across.length + " paths for " + perEvent.size() + " broadcasts");
    }
    List<long[]> acrossParts = new ArrayList<>();
    List<long[]> sameParts = new ArrayList<>();
    List<Double> pairedP50 = new ArrayList<>();
    List<Double> pairedP99 = new ArrayList<>();
    List<Double> pairedFirst = new ArrayList<>();
    JsonArray events = new JsonArray();
    for (int i = 0; i < perEvent.size(); i++) {
      long[] sorted = perEvent.get(i);
      (across[i] ? acrossParts : sameParts).add(sorted);
      events.add(
          new JsonObject()
              .put("path", across[i] ? "across" : "same")
              .put("first", msOrNull(Latencies.percentileMillis(sorted, 0)))
              .put("p50", msOrNull(Latencies.percentileMillis(sorted, 50)))
              .put("p99", msOrNull(Latencies.percentileMillis(sorted, 99)))
              .put("deliveries", sorted.length));
      if (i % 2 == 1) {
        long[] acrossEvent = across[i] ? sorted : perEvent.get(i - 1);
        long[] sameEvent = across[i] ? perEvent.get(i - 1) : sorted;
        pairedP50.add(
            Latencies.percentileMillis(acrossEvent, 50)
                - Latencies.percentileMillis(sameEvent, 50));
        pairedP99.add(
            Latencies.percentileMillis(acrossEvent, 99)
                - Latencies.percentileMillis(sameEvent, 99));
        pairedFirst.add(
            Latencies.percentileMillis(acrossEvent, 0) - Latencies.percentileMillis(sameEvent, 0));
      }
    }
    long[] acrossSorted = merged(acrossParts);
    long[] sameSorted = merged(sameParts);
    double acrossP50 = Latencies.percentileMillis(acrossSorted, 50);
    double acrossP99 = Latencies.percentileMillis(acrossSorted, 99);
    double sameP50 = Latencies.percentileMillis(sameSorted, 50);
    double sameP99 = Latencies.percentileMillis(sameSorted, 99);
    return new JsonObject()
        .put("deliveredAcross", acrossSorted.length)
        .put("deliveredSame", sameSorted.length)
        .put("acrossP50Ms", msOrNull(acrossP50))
        .put("acrossP99Ms", msOrNull(acrossP99))
        .put("sameNodeP50Ms", msOrNull(sameP50))
        .put("sameNodeP99Ms", msOrNull(sameP99))
        .put("addedP50Ms", msOrNull(acrossP50 - sameP50))
        .put("addedP99Ms", msOrNull(acrossP99 - sameP99))
        .put("pairs", pairedP50.size())
        .put("pairedAddedP50Ms", msOrNull(median(pairedP50)))
        .put("pairedAddedP99Ms", msOrNull(median(pairedP99)))
        .put("pairedAddedP50Interval95Ms", intervalOrNull(medianInterval95(pairedP50)))
        .put("pairedAddedP99Interval95Ms", intervalOrNull(medianInterval95(pairedP99)))
        // The first delivery of a broadcast is the hop alone; the p50 also holds the fan-out to
        // half the subscribers, slowed by whatever else runs on the shared cores meanwhile.
        .put("pairedAddedFirstMs", msOrNull(median(pairedFirst)))
        .put("pairedAddedFirstInterval95Ms", intervalOrNull(medianInterval95(pairedFirst)))
        .put("perEventMs", events);
  }

  /** {@link #pooledPairs} of the runs' cross-node measurements, as {@code crossNodeHop}. */
  static JsonObject pooledHopOfRuns(List<JsonObject> runDetails) {
    JsonObject pooled =
        pooledPairs(runDetails.stream().map(d -> d.getJsonObject("crossNodeHop")).toList());
    return pooled == null ? null : new JsonObject().put("crossNodeHop", pooled);
  }

  /**
   * The paired differences of every run of a set taken together ({@code crossNodeHop} of each run):
   * a run's median over 100 pairs moves by several milliseconds at 10,000 subscribers, where one
   * pair's difference spreads over tens, so the set's best estimate and its 95 % interval come from
   * all its pairs. Pairs are read from each run's {@code perEventMs}; a pair with a broadcast
   * nobody received counts for nothing. Null when no run measured the hop.
   */
  static JsonObject pooledPairs(List<JsonObject> hops) {
    Map<String, List<Double>> added = new LinkedHashMap<>();
    for (String figure : List.of("p50", "p99", "first")) {
      added.put(figure, new ArrayList<>());
    }
    int runs = 0;
    for (JsonObject hop : hops) {
      JsonArray events = hop == null ? null : hop.getJsonArray("perEventMs");
      if (events == null) {
        continue;
      }
      runs++;
      for (int i = 1; i < events.size(); i += 2) {
        JsonObject a = events.getJsonObject(i - 1);
        JsonObject b = events.getJsonObject(i);
        boolean acrossFirst = "across".equals(a.getString("path"));
        JsonObject acrossEvent = acrossFirst ? a : b;
        JsonObject sameEvent = acrossFirst ? b : a;
        added.forEach(
            (figure, values) -> {
              Double across = acrossEvent.getDouble(figure);
              Double same = sameEvent.getDouble(figure);
              if (across != null && same != null) {
                values.add(across - same);
              }
            });
      }
    }
    if (runs == 0) {
      return null;
    }
    JsonObject out = new JsonObject().put("runs", runs).put("pairs", added.get("p50").size());
    String[] names = {"P50", "P99", "First"};
    int i = 0;
    for (List<Double> values : added.values()) {
      out.put("pairedAdded" + names[i] + "Ms", msOrNull(median(values)))
          .put("pairedAdded" + names[i] + "Interval95Ms", intervalOrNull(medianInterval95(values)))
          .put("pairsAcrossSlower" + names[i], values.stream().filter(v -> v > 0).count());
      i++;
    }
    return out;
  }

  /**
   * Rounded milliseconds, or null for what was not measured (no deliveries): never a 0 that would
   * pass for a measured figure.
   */
  private static Double msOrNull(double ms) {
    return Double.isFinite(ms) ? LoadContext.round(ms) : null;
  }

  /** Median of the measured values (a pair with an empty broadcast has none), NaN if none. */
  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().filter(Double::isFinite).sorted().toList();
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int m = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
  }

  /**
   * A distribution-free 95 % confidence interval for the median of the values (order statistics k
   * and m + 1 - k, k the largest with P(Binomial(m, 1/2) < k) <= 2.5 %): how precisely the paired
   * difference is known, which a single median does not say. Null with fewer than 6 values, too few
   * for any such interval.
   */
  static double[] medianInterval95(List<Double> values) {
    List<Double> sorted = values.stream().filter(Double::isFinite).sorted().toList();
    int m = sorted.size();
    // P(B <= j), summed from the log of the first term so that large m does not underflow at once.
    double logTerm = -m * Math.log(2);
    double below = 0;
    int k = 0;
    for (int j = 0; j < m; j++) {
      below += Math.exp(logTerm);
      if (below > 0.025) {
        break;
      }
      k = j + 1;
      logTerm += Math.log((double) (m - j) / (j + 1));
    }
    if (k < 1) {
      return null;
    }
    return new double[] {sorted.get(k - 1), sorted.get(m - k)};
  }

  private static JsonArray intervalOrNull(double[] interval) {
    return interval == null
        ? null
        : new JsonArray().add(msOrNull(interval[0])).add(msOrNull(interval[1]));
  }

  private static long[] merged(List<long[]> parts) {
    long[] out = new long[parts.stream().mapToInt(p -> p.length).sum()];
    int i = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    Arrays.sort(out);
    return out;
  }

  /** [[p, ms], ...] at the plotted percentiles. */
  static JsonArray percentiles(long[] sorted) {
    JsonArray out = new JsonArray();
    if (sorted.length > 0) {
      for (double p : PLOTTED) {
        out.add(
            new JsonArray().add(p).add(LoadContext.round(Latencies.percentileMillis(sorted, p))));
      }
    }
    return out;
  }

  /**
   * Counts in {@code bins} equal bins from 0 to the p99.9 (the rest in the last bin), for the
   * histogram plot.
   */
  static JsonObject histogram(long[] sorted, int bins) {
    if (sorted.length == 0) {
      return new JsonObject().put("binMs", 0).put("counts", new JsonArray());
    }
    double top = Math.max(0.001, Latencies.percentileMillis(sorted, 99.9));
    double width = top / bins;
    long[] counts = new long[bins];
    for (long v : sorted) {
      counts[(int) Math.min(bins - 1, Math.max(0, v / 1000.0 / width))]++;
    }
    JsonArray c = new JsonArray();
    for (long v : counts) {
      c.add(v);
    }
    return new JsonObject()
        .put("binMs", width)
        .put("counts", c)
        .put("p50Ms", Latencies.percentileMillis(sorted, 50))
        .put("p99Ms", Latencies.percentileMillis(sorted, 99));
  }
}
