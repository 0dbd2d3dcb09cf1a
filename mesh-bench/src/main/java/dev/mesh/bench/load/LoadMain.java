package dev.mesh.bench.load;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.LoadPage;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's command line. {@code LoadMain <scenario> [--n N] [--events M] [--out dir]} where scenario is
 * {@code idle}, {@code connect}, {@code broadcast}, {@code direct}, {@code publish}, {@code storm}, {@code resume} or
 * {@code compare}
 * (idle + connect + broadcast against the raw Vert.x baseline, Mesh on 1 and 2 nodes and Socket.IO, in one run, with
 * ratios).
 * It starts the servers itself (separate JVMs on loopback), prints a live progress line on stderr, and writes one JSON
 * result per run (machine, versions, configuration, figures) plus PNG plots to the output directory.
 */
public final class LoadMain {

  private final Path repo;
  private final Path out;
  private final int n;
  private final int events;
  private final JsonObject result = new JsonObject();
  /** Requests per second of the direct scenario ({@code --rate}). */
  private int rate = 100;
  /** Where JFR recordings of the measured phases go ({@code --jfr dir}); null: no profiling. */
  private Path jfr;

  private LoadMain(Path repo, Path out, int n, int events) {
    this.repo = repo;
    this.out = out;
    this.n = n;
    this.events = events;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: LoadMain idle|connect|broadcast|direct|publish|storm|resume|compare [--n N] [--events M] [--out dir] [--jfr dir] [--rate R]");
      System.exit(2);
    }
    String scenario = args[0];
    int n = 1000;
    int events = 20;
    Path jfr = null;
    int rate = 100;
    Path repo = Path.of(System.getProperty("mesh.repo.root", ".")).toAbsolutePath().normalize();
    Path out = repo.resolve("docs/bench/results");
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--n" -> n = Integer.parseInt(args[++i]);
        case "--events" -> events = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--jfr" -> jfr = Path.of(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    LoadMain main = new LoadMain(repo, out, n, events);
    if (jfr != null) {
      Files.createDirectories(jfr);
      main.jfr = jfr;
    }
    main.rate = rate;
    main.result.put("scenario", scenario).put("n", n).put("events", events).put("startedAt", Instant.now().toString())
        .put("machine", Machine.describe()).put("command", "LoadMain " + String.join(" ", args));
    switch (scenario) {
      case "idle", "connect" -> main.result.put("targets", new JsonArray().add(main.connectAndIdle(main.mesh(1)))
          .add(main.connectAndIdle(new Target.Raw())).add(main.connectAndIdle(new Target.SocketIo(repo))));
      case "broadcast" -> main.result.put("targets", new JsonArray().add(main.broadcast(new Target.Raw()))
          .add(main.broadcast(main.mesh(1))).add(main.broadcast(main.mesh(2)))
          .add(main.broadcast(new Target.SocketIo(repo))));
      case "publish" -> main.result.put("targets", new JsonArray().add(main.publish(new Target.Raw()))
          .add(main.publish(main.mesh(1))));
      case "storm" -> main.result.put("targets", new JsonArray().add(main.storm()));
      case "direct" -> main.result.put("targets", new JsonArray().add(main.direct()));
      case "resume" -> main.result.put("targets", new JsonArray().add(main.resume()));
      case "compare" -> main.compare();
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    main.result.put("finishedAt", Instant.now().toString());
    Files.createDirectories(out);
    Path file = out.resolve(scenario + "-" + n + "-" + Instant.now().toString().replace(":", "").substring(0, 15) + ".json");
    Files.writeString(file, main.result.encodePrettily() + "\n");
    System.out.println(main.result.encodePrettily());
    System.out.println("result: " + file);
    System.exit(0);
  }

  private Target.Mesh mesh(int nodes) {
    return new Target.Mesh(repo, nodes, Map.of());
  }

  private static ClientPolicy steady() {
    return ClientPolicy.browser().withoutReconnect();
  }

  /** connect: setup rate and server CPU per 1,000 connects; idle: memory per connection and CPU at rest. */
  private JsonObject connectAndIdle(Target target) throws Exception {
    try (target; Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET)) {
      fleet.label(target.name() + " connect");
      Thread.sleep(2000);
      long heapBefore = target.edgeHeapAfterGc();
      long rssBefore = target.edgeRss();
      // Warm-up connects, not measured: the CPU figure is the steady cost of a connect, not the JIT compiling the
      // server's code paths (a larger share for Mesh, which has more code, and a shrinking one as N grows). The
      // warm-up pages stay open and count in the memory per connection.
      int warmCount = Math.min(1000, n / 4);
      await(fleet.start(fleet.pages(target, "warm", warmCount, steady(), null), 200), Duration.ofMinutes(10));
      List<? extends LoadPage> pages = fleet.pages(target, "idle", n, steady(), null);
      double edgeCpu0 = target.edgeCpu();
      double allCpu0 = target.allCpu();
      target.startProfile(jfr);
      long t0 = System.nanoTime();
      await(fleet.start(pages, 200), Duration.ofMinutes(10));
      double seconds = (System.nanoTime() - t0) / 1e9;
      target.dumpProfile(jfr, "connect-" + target.name());
      double edgeCpu = target.edgeCpu() - edgeCpu0;
      double allCpu = target.allCpu() - allCpu0;
      fleet.label(target.name() + " idle");
      Thread.sleep(5000);
      long heapAfter = target.edgeHeapAfterGc();
      Thread.sleep(1000);
      long rssAfter = target.edgeRss();
      double restCpu0 = target.allCpu();
      Thread.sleep(10_000);
      double restCpu = (target.allCpu() - restCpu0) / 10.0;
      int open = fleet.open.get();
      int measured = open - warmCount;
      JsonObject r = new JsonObject().put("target", target.name()).put("connections", open)
          .put("warmupConnections", warmCount).put("measuredConnects", measured)
          .put("connectSeconds", round(seconds)).put("connectsPerSecond", round(measured / seconds))
          .put("edgeCpuSecondsPer1000Connects", round(edgeCpu / measured * 1000))
          .put("allCpuSecondsPer1000Connects", round(allCpu / measured * 1000))
          .put("rssBytesPerConnection", (rssAfter - rssBefore) / Math.max(1, open))
          .put("heapBytesPerConnection", (heapAfter - heapBefore) / Math.max(1, open))
          .put("rssBefore", rssBefore).put("rssAfter", rssAfter).put("heapBefore", heapBefore).put("heapAfter", heapAfter)
          .put("cpuCoresAtRest", round(restCpu)).put("errors", fleet.errors.get());
      System.out.println(r.encode());
      return r;
    }
  }

  /** broadcast: one ~100-byte event to N subscribers, {@code events} times; per-client delivery latency. */
  private JsonObject broadcast(Target target) throws Exception {
    try (target; Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET)) {
      fleet.label(target.name() + " broadcast");
      String channel = "bench:bcast";
      List<? extends LoadPage> subscribers = fleet.pages(target, "bc", n, steady(), channel);
      await(fleet.start(subscribers, 200), Duration.ofMinutes(10));
      // The publisher is on the first node: with two nodes, half of the subscribers are reached across the cluster.
      LoadPage publisher = target.speaksSocketIo() ? fleet.pages(target, "bcpub", 1, steady(), null).get(0)
          : fleet.create("bcpub", 1, target.endpoints().subList(0, 1), steady(), null).get(0);
      await(publisher.start(), Duration.ofSeconds(30));
      for (int i = 0; i < 3; i++) {
        await(publisher.publish(channel, payload(-1)), Duration.ofSeconds(30));
      }
      awaitDelivered(fleet, 3L * n, Duration.ofSeconds(60));
      Latencies latencies = new Latencies();
      fleet.received.set(0);
      Latencies warm = fleet.latencies;
      double edgeCpu0 = target.edgeCpu();
      double allCpu0 = target.allCpu();
      swap(fleet, latencies);
      target.startProfile(jfr);
      for (int i = 0; i < events; i++) {
        publisher.publish(channel, payload(i));
        Thread.sleep(500);
      }
      boolean all = awaitDelivered(fleet, (long) events * n, Duration.ofSeconds(60));
      target.dumpProfile(jfr, "broadcast-" + target.name());
      double edgeCpu = target.edgeCpu() - edgeCpu0;
      double allCpu = target.allCpu() - allCpu0;
      long[] sorted = latencies.sorted();
      Plots.histogram(out.resolve("broadcast-latency-" + target.name() + "-" + n + ".png"),
          "broadcast to " + n + " subscribers, " + target.name() + ": delivery latency (ms)", sorted);
      JsonObject r = new JsonObject().put("target", target.name()).put("subscribers", n).put("events", events)
          .put("delivered", latencies.count()).put("allDelivered", all)
          .put("p50Ms", round(Latencies.percentileMillis(sorted, 50)))
          .put("p99Ms", round(Latencies.percentileMillis(sorted, 99)))
          .put("maxMs", round(Latencies.percentileMillis(sorted, 100)))
          .put("edgeCpuMsPerBroadcast", round(edgeCpu * 1000 / events))
          .put("allCpuMsPerBroadcast", round(allCpu * 1000 / events))
          .put("warmupSamples", warm.count());
      System.out.println(r.encode());
      return r;
    }
  }

  private static void swap(Fleet fleet, Latencies latencies) throws Exception {
    var field = Fleet.class.getDeclaredField("latencies");
    field.setAccessible(true);
    field.set(fleet, latencies);
  }

  /** publish: sustained publish rate through replay-service with delivery to subscribers. */
  private JsonObject publish(Target target) throws Exception {
    try (target; Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET)) {
      fleet.label(target.name() + " publish");
      String channel = "bench:pub";
      int subscriberCount = Math.max(1, Math.min(n, 100));
      List<PageClient> subscribers = fleet.create("ps", subscriberCount, target.endpoints(), steady(), channel);
      List<PageClient> publishers = fleet.create("pp", 20, target.endpoints(), steady(), null);
      await(fleet.start(subscribers, 200), Duration.ofMinutes(5));
      await(fleet.start(publishers, 20), Duration.ofMinutes(1));
      long[] acked = {0};
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      fleet.received.set(0);
      double cpu0 = target.allCpu();
      long t0 = System.nanoTime();
      for (PageClient p : publishers) {
        pump(p, channel, deadline, acked, 32);
      }
      Thread.sleep(20_000);
      Thread.sleep(2000);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = target.allCpu() - cpu0;
      JsonObject r = new JsonObject().put("target", target.name()).put("publishers", 20).put("subscribers", subscriberCount)
          .put("ackedPerSecond", round(acked[0] / 20.0)).put("deliveriesPerSecond", round(fleet.received.get() / seconds))
          .put("cpuMsPerPublish", round(cpu * 1000 / Math.max(1, acked[0])));
      System.out.println(r.encode());
      return r;
    }
  }

  private void pump(PageClient publisher, String channel, long deadline, long[] acked, int window) {
    for (int i = 0; i < window; i++) {
      pumpOne(publisher, channel, deadline, acked);
    }
  }

  private void pumpOne(PageClient publisher, String channel, long deadline, long[] acked) {
    if (System.nanoTime() > deadline) {
      return;
    }
    publisher.publish(channel, payload(0)).onSuccess(f -> {
      synchronized (acked) {
        acked[0]++;
      }
      pumpOne(publisher, channel, deadline, acked);
    });
  }

  /**
   * storm: N pages on node A of two, a publisher on B; {@code kill -9} A; time until every page is resumed on B,
   * reconnect attempts per 100 ms (client side) and connections opened per second on B (server side), lost and
   * duplicated events.
   */
  private JsonObject storm() throws Exception {
    try (Target.Mesh target = mesh(2); Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET)) {
      fleet.label("storm");
      String channel = "bench:storm";
      List<Endpoint> endpoints = target.endpoints();
      ClientPolicy browser = ClientPolicy.browser();
      // Page i first connects to endpoints[i % 2]: the even ones are on node A, which is killed.
      List<PageClient> pages = fleet.create("st", n, endpoints, browser, channel);
      List<PageClient> onA = new ArrayList<>();
      for (int i = 0; i < pages.size(); i++) {
        if (i % 2 == 0) {
          onA.add(pages.get(i));
        }
      }
      await(fleet.start(pages, 200), Duration.ofMinutes(10));
      PageClient publisher = fleet.create("stp", 1, List.of(endpoints.get(1)), steady(), null).get(0);
      await(publisher.start(), Duration.ofSeconds(30));
      Set<Long> acked = ConcurrentHashMap.newKeySet();
      long publishTimer = fleet.vertx.setPeriodic(100, t -> publisher.publish(channel, payload(0))
          .onSuccess(f -> acked.add(f.getLong("seq"))));
      Thread.sleep(2000);
      List<Long> attempts = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (PageClient p : onA) {
        p.listener(new PageClient.Listener() {
          @Override
          public void onAttempt(PageClient client) {
            attempts.add(System.nanoTime());
          }
        });
      }
      ServiceProcess a = target.nodes.get(0);
      ServiceProcess b = target.nodes.get(1);
      List<double[]> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
      target.startProfile(jfr);
      long killedAt = System.nanoTime();
      a.kill();
      String aHost = endpoints.get(0).toString();
      boolean resumed = false;
      while (System.nanoTime() - killedAt < Duration.ofMinutes(5).toNanos()) {
        double opens = b.getOps("/metrics").map(r -> Prometheus.sum(r.body(), "mesh_connections_opened_total").orElse(0))
            .orElse(0.0);
        opened.add(new double[] {(System.nanoTime() - killedAt) / 1e9, opens});
        if (onA.stream().allMatch(p -> p.isReady() && !aHost.equals(p.endpoint().toString()))) {
          resumed = true;
          break;
        }
        Thread.sleep(250);
      }
      double allResumedSeconds = (onA.stream().mapToLong(PageClient::readyAtNanos).max().orElse(killedAt) - killedAt) / 1e9;
      long[] resumedAfter = onA.stream().mapToLong(p -> (p.readyAtNanos() - killedAt) / 1000).sorted().toArray();
      long[] welcomedAfter = onA.stream().mapToLong(p -> (p.welcomedAtNanos() - killedAt) / 1000).sorted().toArray();
      target.dumpProfile(jfr, "storm-survivor");
      Thread.sleep(2000);
      fleet.vertx.cancelTimer(publishTimer);
      // Drain: every page should have every acknowledged event; wait up to 60 s before counting what is missing.
      long drainStart = System.nanoTime();
      while (System.nanoTime() - drainStart < Duration.ofSeconds(60).toNanos() && pages.stream()
          .anyMatch(p -> p.ledger(channel, l -> acked.stream().anyMatch(s -> !l.saw(s))))) {
        Thread.sleep(500);
      }
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      long lost = 0;
      long duplicates = 0;
      long announced = 0;
      for (PageClient p : pages) {
        announced += p.ledger(channel, l -> l.announcedDrops());
        lost += p.ledger(channel, l -> acked.stream().filter(s -> !l.saw(s)).count());
        duplicates += p.ledger(channel, l -> l.duplicates());
      }
      // The plot spans the attempts (plus a second), not the whole resume: the spread of the herd is what it shows.
      long lastAttempt = attempts.stream().mapToLong(Long::longValue).max().orElse(killedAt);
      long[] perTenth = new long[(int) ((lastAttempt - killedAt) / 100_000_000L) + 11];
      for (long at : attempts) {
        int slot = (int) ((at - killedAt) / 100_000_000L);
        if (slot >= 0 && slot < perTenth.length) {
          perTenth[slot]++;
        }
      }
      Plots.series(out.resolve("storm-reconnects-" + n + ".png"), "storm: reconnect attempts per 100 ms after kill -9 ("
          + onA.size() + " pages)", perTenth, 0.1);
      long peak = 0;
      for (long v : perTenth) {
        peak = Math.max(peak, v);
      }
      String metrics = b.getOps("/metrics").map(r -> r.body()).orElse("");
      JsonArray serverOpens = new JsonArray();
      opened.forEach(o -> serverOpens.add(new JsonArray().add(round(o[0])).add(o[1])));
      JsonObject r = new JsonObject().put("target", target.name()).put("pages", n).put("pagesOnKilledNode", onA.size())
          .put("allResumed", resumed).put("allResumedSeconds", round(allResumedSeconds))
          .put("welcomedP50Seconds", round(Latencies.percentileMillis(welcomedAfter, 50) / 1000))
          .put("welcomedP99Seconds", round(Latencies.percentileMillis(welcomedAfter, 99) / 1000))
          .put("survivorSubscribes", Prometheus.sum(metrics, "mesh_subscribe_latency_seconds_count").orElse(Double.NaN))
          .put("survivorSubscribeMeanMs", round(Prometheus.sum(metrics, "mesh_subscribe_latency_seconds_sum").orElse(Double.NaN)
              / Prometheus.sum(metrics, "mesh_subscribe_latency_seconds_count").orElse(Double.NaN) * 1000))
          .put("survivorSubscribeMaxMs", round(Prometheus.sum(metrics, "mesh_subscribe_latency_seconds_max").orElse(Double.NaN) * 1000))
          .put("resumedP50Seconds", round(Latencies.percentileMillis(resumedAfter, 50) / 1000))
          .put("resumedP90Seconds", round(Latencies.percentileMillis(resumedAfter, 90) / 1000))
          .put("resumedP99Seconds", round(Latencies.percentileMillis(resumedAfter, 99) / 1000))
          .put("resumeRatePerSecond", round(onA.size() / allResumedSeconds))
          .put("reconnectAttempts", attempts.size()).put("peakAttemptsPer100ms", peak)
          .put("acked", acked.size()).put("drainSeconds", round(drainSeconds)).put("lost", lost).put("announcedDropsByGapFrames", announced).put("duplicates", duplicates)
          .put("survivorOpenedTotalOverTime", serverOpens);
      System.out.println(r.encode());
      return r;
    }
  }

  /**
   * direct: send-to-user across nodes. N pages (each its own user, subscribed to {@code user:<id>}) on two connection
   * nodes; the generator joins the cluster as an integrating service would and sends each user {@code events}
   * messages on {@code mesh.send.user} at {@code --rate} requests per second (default 100: latency below saturation,
   * not queueing), 200 in flight at most. Latency is from the request to the page.
   */
  private JsonObject direct() throws Exception {
    try (Target.Mesh target = mesh(2); Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET)) {
      fleet.label("direct");
      List<PageClient> pages = fleet.create("dm", n, target.endpoints(), steady(), null);
      pages.forEach(p -> p.subscribe("user:" + p.userId()));
      await(fleet.start(pages, 200), Duration.ofMinutes(10));
      int base = target.mesh.hazelcastPortBase();
      dev.mesh.common.cluster.MeshNode caller = await(dev.mesh.common.cluster.MeshCluster.start(
          dev.mesh.common.cluster.ClusterOptions.defaults().withClusterName(target.mesh.clusterName()).withPort(base)
              .withMembers(List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2)))
              .withFailureDetection(Duration.ofSeconds(1), Duration.ofSeconds(10)), null), Duration.ofSeconds(60));
      try {
        dev.mesh.common.bus.BusClient bus = new dev.mesh.common.bus.BusClient(caller.vertx());
        // Warm-up round, not measured.
        sendToAll(bus, pages, 1, "w");
        awaitDelivered(fleet, n, Duration.ofSeconds(60));
        Latencies latencies = new Latencies();
        swap(fleet, latencies);
        fleet.received.set(0);
        double cpu0 = target.allCpu();
        target.startProfile(jfr);
        long t0 = System.nanoTime();
        long failed = sendToAll(bus, pages, events, "m");
        boolean all = awaitDelivered(fleet, (long) events * n - failed, Duration.ofSeconds(120));
        target.dumpProfile(jfr, "direct");
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = target.allCpu() - cpu0;
        long[] sorted = latencies.sorted();
        JsonObject r = new JsonObject().put("target", target.name()).put("pages", n).put("messagesPerPage", events)
            .put("requestsPerSecond", rate)
            .put("sent", (long) events * n).put("failedRequests", failed).put("delivered", latencies.count())
            .put("allDelivered", all)
            .put("p50Ms", round(Latencies.percentileMillis(sorted, 50)))
            .put("p99Ms", round(Latencies.percentileMillis(sorted, 99)))
            .put("maxMs", round(Latencies.percentileMillis(sorted, 100)))
            .put("messagesPerSecond", round(latencies.count() / seconds))
            .put("allCpuMsPerMessage", round(cpu * 1000 / Math.max(1, latencies.count())));
        System.out.println(r.encode());
        return r;
      } finally {
        await(caller.close(), Duration.ofSeconds(30));
      }
    }
  }

  /** Sends every page {@code rounds} direct messages, at most 200 in flight; returns how many requests failed. */
  private long sendToAll(dev.mesh.common.bus.BusClient bus, List<PageClient> pages, int rounds, String prefix)
      throws Exception {
    java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(200);
    java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    long intervalNanos = 1_000_000_000L / rate;
    long next = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      for (PageClient page : pages) {
        next += intervalNanos;
        java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
        inFlight.acquire();
        var data = dev.mesh.common.bus.Json.MAPPER.valueToTree(java.util.Map.of("t", PageClient.nowMicros(),
            "pad", "x".repeat(60)));
        bus.request(dev.mesh.common.bus.Addresses.SEND_TO_USER, new dev.mesh.common.routing.SendToUser(page.userId(),
                prefix + round + "-" + page.userId(), (com.fasterxml.jackson.databind.JsonNode) data, false, "bench"),
                dev.mesh.common.routing.SendResult.class)
            .onComplete(ar -> {
              if (ar.failed()) {
                failed.incrementAndGet();
              }
              inFlight.release();
            });
      }
    }
    inFlight.acquire(200);
    inFlight.release(200);
    return failed.get();
  }

  /** resume: N pages miss 100 events each, then resume together; per-page and server-side (replay) latency. */
  private JsonObject resume() throws Exception {
    try (Target.Mesh target = mesh(1); Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET)) {
      fleet.label("resume");
      String channel = "bench:resume";
      List<PageClient> pages = fleet.create("rs", n, target.endpoints(), ClientPolicy.browser(), channel);
      await(fleet.start(pages, 200), Duration.ofMinutes(10));
      PageClient publisher = fleet.create("rsp", 1, target.endpoints(), steady(), null).get(0);
      await(publisher.start(), Duration.ofSeconds(30));
      pages.forEach(PageClient::goAway);
      Thread.sleep(3000);
      long lastSeq = 0;
      for (int i = 0; i < 100; i++) {
        lastSeq = await(publisher.publish(channel, payload(i)), Duration.ofSeconds(30)).getLong("seq");
      }
      double count0 = target.replayMetric("mesh_replay_history_latency_seconds_count");
      double sum0 = target.replayMetric("mesh_replay_history_latency_seconds_sum");
      Latencies perPage = new Latencies();
      long target100 = lastSeq;
      long t0 = System.nanoTime();
      List<Future<Void>> back = new ArrayList<>();
      for (PageClient p : pages) {
        long start = System.nanoTime();
        back.add(p.comeBack().compose(v -> {
          io.vertx.core.Promise<Void> caught = io.vertx.core.Promise.promise();
          long timer = fleet.vertx.setPeriodic(2, t -> {
            if (p.ledger(channel, l -> l.last()) >= target100) {
              fleet.vertx.cancelTimer(t);
              perPage.add((System.nanoTime() - start) / 1000);
              caught.tryComplete();
            }
          });
          return caught.future();
        }));
        if (back.size() % 200 == 0) {
          Thread.sleep(50);
        }
      }
      await(Future.join(back), Duration.ofMinutes(5));
      double wall = (System.nanoTime() - t0) / 1e9;
      double count = target.replayMetric("mesh_replay_history_latency_seconds_count") - count0;
      double sum = target.replayMetric("mesh_replay_history_latency_seconds_sum") - sum0;
      long[] sorted = perPage.sorted();
      long duplicates = pages.stream().mapToLong(p -> p.ledger(channel, l -> l.duplicates())).sum();
      JsonObject r = new JsonObject().put("target", target.name()).put("pages", n).put("missedEvents", 100)
          .put("clientResumeP50Ms", round(Latencies.percentileMillis(sorted, 50)))
          .put("clientResumeP99Ms", round(Latencies.percentileMillis(sorted, 99)))
          .put("serverHistoryReads", count).put("serverHistoryMeanMs", round(sum / Math.max(1, count) * 1000))
          .put("serverHistoryP50Ms", round(target.replayMetric("mesh_replay_history_latency_seconds", "quantile=\"0.5\"") * 1000))
          .put("serverHistoryP99Ms", round(target.replayMetric("mesh_replay_history_latency_seconds", "quantile=\"0.99\"") * 1000))
          .put("wallSeconds", round(wall)).put("duplicates", duplicates);
      System.out.println(r.encode());
      return r;
    }
  }

  /** idle + connect + broadcast for raw Vert.x and Mesh (1 and 2 nodes) in one run, with the ratios. */
  private void compare() throws Exception {
    JsonObject rawIdle = connectAndIdle(new Target.Raw());
    JsonObject meshIdle = connectAndIdle(mesh(1));
    JsonObject ioIdle = connectAndIdle(new Target.SocketIo(repo));
    JsonObject rawCast = broadcast(new Target.Raw());
    JsonObject meshCast = broadcast(mesh(1));
    JsonObject meshCast2 = broadcast(mesh(2));
    JsonObject ioCast = broadcast(new Target.SocketIo(repo));
    result.put("targets", new JsonArray().add(rawIdle).add(meshIdle).add(ioIdle).add(rawCast).add(meshCast)
        .add(meshCast2).add(ioCast));
    JsonObject ratios = new JsonObject()
        .put("memoryPerIdleConnection_meshOverRaw", ratio(meshIdle.getLong("rssBytesPerConnection"), rawIdle.getLong("rssBytesPerConnection")))
        .put("memoryPerIdleConnection_meshRssKiB", round(meshIdle.getLong("rssBytesPerConnection") / 1024.0))
        .put("cpuPer1000Connects_meshEdgeOverRaw", ratio(meshIdle.getDouble("edgeCpuSecondsPer1000Connects"), rawIdle.getDouble("edgeCpuSecondsPer1000Connects")))
        .put("cpuPer1000Connects_meshAllOverRaw", ratio(meshIdle.getDouble("allCpuSecondsPer1000Connects"), rawIdle.getDouble("edgeCpuSecondsPer1000Connects")))
        .put("memoryPerIdleConnection_meshOverSocketIo", ratio(meshIdle.getLong("rssBytesPerConnection"), ioIdle.getLong("rssBytesPerConnection")))
        .put("cpuPer1000Connects_meshEdgeOverSocketIo", ratio(meshIdle.getDouble("edgeCpuSecondsPer1000Connects"), ioIdle.getDouble("edgeCpuSecondsPer1000Connects")))
        .put("broadcastP99_meshOverRaw", ratio(meshCast.getDouble("p99Ms"), rawCast.getDouble("p99Ms")))
        .put("broadcastP99_meshOverSocketIo", ratio(meshCast.getDouble("p99Ms"), ioCast.getDouble("p99Ms")))
        .put("broadcastP99_socketIoOverRaw", ratio(ioCast.getDouble("p99Ms"), rawCast.getDouble("p99Ms")))
        .put("crossNodeAddedP50Ms", round(meshCast2.getDouble("p50Ms") - meshCast.getDouble("p50Ms")))
        .put("crossNodeAddedP99Ms", round(meshCast2.getDouble("p99Ms") - meshCast.getDouble("p99Ms")));
    result.put("ratios", ratios);
    System.out.println("ratios " + ratios.encodePrettily());
  }

  private static double ratio(double a, double b) {
    return round(a / b);
  }

  private static JsonObject payload(int i) {
    // ~100 bytes of data on the wire: {"i":..,"t":..,"pad":"..."}
    return new JsonObject().put("i", i).put("t", PageClient.nowMicros()).put("pad", "x".repeat(60));
  }

  private static boolean awaitDelivered(Fleet fleet, long expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (fleet.received.get() < expected) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  static <T> T await(Future<T> future, Duration timeout) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  /** What this machine is, for the result file. */
  static final class Machine {
    static JsonObject describe() {
      Runtime rt = Runtime.getRuntime();
      return new JsonObject().put("cores", rt.availableProcessors())
          .put("memoryGiB", round(((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
              .getOperatingSystemMXBean()).getTotalMemorySize() / 1073741824.0))
          .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
          .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
          .put("vertx", "5.0.10").put("hazelcast", "5.3.8")
          .put("serverJvmFlags", String.join(" ", Target.JVM_FLAGS))
          .put("loadAverage", round(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
          .put("note", String.format(Locale.ROOT, "generator and servers share the machine's %d cores", rt.availableProcessors()));
    }
  }
}
