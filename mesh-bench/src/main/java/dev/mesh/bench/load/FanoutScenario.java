package dev.mesh.bench.load;

import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.load.Headlines.Figure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * fanout: what more event loops buy one node. For each event-loop count of {@code --loops} (default
 * 1,2), raw Vert.x and then Mesh on one node on that many loops, N subscribers and a publisher on
 * the same node; {@code --events} broadcasts one after the other (the next once the last has
 * reached every subscriber). Measured per target: deliveries per CPU-second of the server process
 * (its {@code /proc} CPU time over the phase) and the time for one broadcast to reach all N
 * subscribers (publish to the last arrival).
 */
final class FanoutScenario implements Scenario {

  private static final String CHANNEL = "bench:fanout";
  private static final Duration PER_BROADCAST_LIMIT = Duration.ofSeconds(30);

  @Override
  public String description() {
    return "one node on each --loops count (default 1,2): fan-out deliveries per CPU-second, broadcast to all N";
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    ctx.requireSocketsPerServer("fanout (one node)", ctx.n() + 1L);
    List<Integer> loops = ctx.options.loops() != null ? ctx.options.loops() : List.of(1, 2);
    JsonArray targets = new JsonArray();
    List<Figure> figures = new ArrayList<>();
    Map<Integer, JsonObject> mesh = new java.util.TreeMap<>();
    for (int l : loops) {
      JsonObject raw = measure(ctx, ctx.raw(l));
      JsonObject m = measure(ctx, ctx.mesh(1, l, Map.of()));
      targets.add(raw).add(m);
      mesh.put(l, m);
      for (JsonObject t : List.of(raw, m)) {
        String key = t.getString("target") + "." + l + "loops";
        figures.add(
            Figure.higher(
                "fanoutDeliveriesPerCpuSecond." + key,
                t.getString("target") + " on " + l + " loop(s): deliveries per server CPU-second",
                "1/CPU s",
                t.getDouble("deliveriesPerCpuSecond")));
        figures.add(
            Figure.lower(
                "fanoutBroadcastAllP50Ms." + key,
                t.getString("target") + " on " + l + " loop(s): broadcast reaches all N, p50",
                "ms",
                t.getDouble("allReachedP50Ms")));
      }
    }
    if (mesh.containsKey(1) && mesh.containsKey(2)) {
      figures.add(
          Figure.higher(
              "fanoutEfficiency.mesh.2over1",
              "Mesh deliveries per CPU-second, 2 loops / 1 loop",
              "x",
              LoadContext.ratio(
                  mesh.get(2).getDouble("deliveriesPerCpuSecond"),
                  mesh.get(1).getDouble("deliveriesPerCpuSecond"))));
      figures.add(
          Figure.lower(
              "fanoutAllReached.mesh.2over1",
              "Mesh broadcast to all N p50, 2 loops / 1 loop",
              "x",
              LoadContext.ratio(
                  mesh.get(2).getDouble("allReachedP50Ms"),
                  mesh.get(1).getDouble("allReachedP50Ms"))));
    }
    return new Run(new JsonObject().put("targets", targets), figures);
  }

  private static JsonObject measure(LoadContext ctx, Target target) throws Exception {
    int n = ctx.n();
    int events = ctx.events();
    try (target;
        Fleet fleet = ctx.fleet(n)) {
      fleet.label(target.name() + " " + target.eventLoops() + " loops fanout");
      fleet.create("fo", target, n, LoadContext.steady(), CHANNEL);
      int failed = fleet.start("fo", 200, Duration.ofMinutes(10));
      long subscribers = (long) n - failed;
      PageClient publisher =
          fleet.publisher("fopub", 0, target.endpoints().subList(0, 1), LoadContext.steady());
      LoadContext.await(publisher.start(), Duration.ofSeconds(30));
      fleet.mark();
      for (int i = 1; i <= 3; i++) { // warm-up, not measured
        publisher.publish(CHANNEL, LoadContext.payload(-i));
        fleet.awaitDelivered(i * subscribers, PER_BROADCAST_LIMIT);
      }
      fleet.mark();
      double cpu0 = target.edgeCpu();
      long t0 = System.nanoTime();
      target.startProfile(ctx.jfr());
      int complete = 0;
      for (int i = 0; i < events; i++) {
        publisher.publish(CHANNEL, LoadContext.payload(i));
        if (fleet.awaitDelivered((i + 1) * subscribers, PER_BROADCAST_LIMIT)) {
          complete++;
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = target.edgeCpu() - cpu0;
      target.dumpProfile(
          ctx.jfr(), "fanout-" + target.name() + "-" + target.eventLoops() + "loops");
      long delivered = fleet.received();
      // Per broadcast: the latency of its last delivery, when it reached every subscriber.
      long[] allReached = new long[events];
      Map<Integer, long[]> spread = fleet.spread();
      for (int i = 0; i < events; i++) {
        long[] s = spread.get(i);
        allReached[i] = s != null && s[0] >= subscribers ? s[1] : Latencies.NEVER;
      }
      Arrays.sort(allReached);
      JsonObject r =
          target
              .describe()
              .put("subscribers", n)
              .put("failedSubscribers", failed)
              .put("events", events)
              .put("generatorProcesses", fleet.processes())
              .put("broadcastsReachingAll", complete)
              .put("delivered", delivered)
              .put("phaseSeconds", LoadContext.round(seconds))
              .put("serverCpuSeconds", LoadContext.round(cpu))
              .put("deliveriesPerCpuSecond", cpu > 0 ? LoadContext.round(delivered / cpu) : null)
              .put("serverCpuCores", LoadContext.round(cpu / seconds))
              .put(
                  "allReachedP50Ms",
                  ResumeScenario.orNull(Latencies.percentileMillisOrNever(allReached, 50)))
              .put(
                  "allReachedMaxMs",
                  ResumeScenario.orNull(Latencies.percentileMillisOrNever(allReached, 100)));
      LoadContext.print(r);
      return r;
    }
  }
}
