package dev.mesh.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.load.Headlines.Figure;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.Json;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * direct: send-to-user across nodes. N pages (each its own user, subscribed to {@code user:<id>})
 * on two connection nodes; the generator joins the cluster as an integrating service would and
 * sends each user {@code --events} messages on {@code mesh.send.user} at {@code --rate} requests
 * per second (default 100: latency below saturation, not queueing), 200 in flight at most. Latency
 * is from the request to the page.
 */
final class DirectScenario implements Scenario {

  private static final int IN_FLIGHT = 200;

  /** Requests per second without {@code --rate}. */
  static final int DEFAULT_RATE = 100;

  @Override
  public String description() {
    return "send-to-user across 2 nodes from a clustered caller at --rate requests/s: delivery latency";
  }

  @Override
  public int defaultRuns() {
    return 1;
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    ctx.requireSocketsPerServer("direct (each of its 2 nodes)", (ctx.n() + 1L) / 2);
    int n = ctx.n();
    int events = ctx.events();
    int rate = ctx.options.rateOr(DEFAULT_RATE);
    try (Target.Mesh target = ctx.mesh(2);
        Fleet fleet = ctx.fleet(n)) {
      fleet.label("direct");
      fleet.createUserPages("dm", target.endpoints(), n, LoadContext.steady());
      fleet.start("dm", 200, Duration.ofMinutes(10));
      int base = target.mesh.hazelcastPortBase();
      MeshNode caller =
          LoadContext.await(
              MeshCluster.start(
                  ClusterOptions.defaults()
                      .withClusterName(target.mesh.clusterName())
                      .withPort(base)
                      .withMembers(
                          List.of(
                              "127.0.0.1:" + base,
                              "127.0.0.1:" + (base + 1),
                              "127.0.0.1:" + (base + 2)))
                      .withFailureDetection(Duration.ofSeconds(1), Duration.ofSeconds(10)),
                  null),
              Duration.ofSeconds(60));
      try {
        BusClient bus = new BusClient(caller.vertx());
        fleet.mark();
        sendToAll(fleet, bus, n, 1, "w", rate); // warm-up round, not measured
        fleet.awaitDelivered(n, Duration.ofSeconds(60));
        fleet.mark();
        double cpu0 = target.allCpu();
        target.startProfile(ctx.jfr());
        long t0 = System.nanoTime();
        long failed = sendToAll(fleet, bus, n, events, "m", rate);
        boolean all = fleet.awaitDelivered((long) events * n - failed, Duration.ofMinutes(2));
        target.dumpProfile(ctx.jfr(), "direct");
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = target.allCpu() - cpu0;
        long[] sorted = fleet.latencies();
        JsonObject r =
            target
                .describe()
                .put("pages", n)
                .put("messagesPerPage", events)
                .put("requestsPerSecond", rate)
                .put("generatorProcesses", fleet.processes())
                .put("sent", (long) events * n)
                .put("failedRequests", failed)
                .put("delivered", sorted.length)
                .put("allDelivered", all)
                .put("p50Ms", LoadContext.round(Latencies.percentileMillis(sorted, 50)))
                .put("p99Ms", LoadContext.round(Latencies.percentileMillis(sorted, 99)))
                .put("maxMs", LoadContext.round(Latencies.percentileMillis(sorted, 100)))
                .put("messagesPerSecond", LoadContext.round(sorted.length / seconds))
                .put(
                    "allCpuMsPerMessage",
                    LoadContext.round(cpu * 1000 / Math.max(1, sorted.length)));
        LoadContext.print(r);
        return new Run(
            new JsonObject().put("targets", new JsonArray().add(r)),
            List.of(
                Figure.lower("directP50Ms", "send-to-user p50", "ms", r.getDouble("p50Ms")),
                Figure.lower("directP99Ms", "send-to-user p99", "ms", r.getDouble("p99Ms"))));
      } finally {
        LoadContext.await(caller.close(), Duration.ofSeconds(30));
      }
    }
  }

  /**
   * Sends every page {@code rounds} direct messages, paced and bounded; returns how many requests
   * failed.
   */
  private static long sendToAll(
      Fleet fleet, BusClient bus, int pages, int rounds, String prefix, int rate)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    AtomicLong failed = new AtomicLong();
    long intervalNanos = 1_000_000_000L / rate;
    long next = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < pages; i++) {
        String user = fleet.userId("dm", i);
        next += intervalNanos;
        LockSupport.parkNanos(next - System.nanoTime());
        inFlight.acquire();
        JsonNode data =
            Json.MAPPER.valueToTree(Map.of("t", PageClient.nowMicros(), "pad", "x".repeat(60)));
        bus.request(
                Addresses.SEND_TO_USER,
                new SendToUser(user, prefix + round + "-" + user, data, false, "bench"),
                SendResult.class)
            .onComplete(
                ar -> {
                  if (ar.failed()) {
                    failed.incrementAndGet();
                  }
                  inFlight.release();
                });
      }
    }
    inFlight.acquire(IN_FLIGHT);
    inFlight.release(IN_FLIGHT);
    return failed.get();
  }
}
