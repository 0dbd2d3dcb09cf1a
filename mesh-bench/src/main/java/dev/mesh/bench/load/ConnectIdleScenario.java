package dev.mesh.bench.load;

import dev.mesh.bench.load.Headlines.Figure;
import dev.mesh.bench.process.ProcStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * idle / connect: N pages connect (after warm-up connects that are not measured) to Mesh on one
 * node, raw Vert.x and Socket.IO in turn: connect rate and server CPU per 1,000 connects, then
 * memory per idle connection and CPU at rest.
 */
final class ConnectIdleScenario implements Scenario {

  @Override
  public String description() {
    return "N pages connect to Mesh (1 node), raw Vert.x and Socket.IO: CPU per 1,000 connects,"
        + " RSS per idle connection";
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    ctx.requireSocketsPerServer(
        "idle/connect (raw Vert.x, Mesh on one node and Socket.IO)",
        ctx.n() + Math.min(1000, ctx.n() / 4) + 1L);
    // --rate paces the connects (warm-up and measured alike): at a pace under Mesh's admission rate
    // nothing is deferred, so the figure is the connect itself under the default settings.
    int perSecond = ctx.options.rate();
    requireStartsInTime(ctx.n(), perSecond);
    JsonObject mesh = measure(ctx, ctx.mesh(1), perSecond);
    JsonObject raw = measure(ctx, ctx.raw(), perSecond);
    JsonObject io = measure(ctx, ctx.socketIo(), perSecond);
    return new Run(
        new JsonObject().put("targets", new JsonArray().add(mesh).add(raw).add(io)),
        figures(mesh, raw, io));
  }

  /** How long the pages of one phase (warm-up or measured) may take to open. */
  static final Duration START_TIMEOUT = Duration.ofMinutes(10);

  /**
   * Refuses, before any server starts, a pace at which the measured pages could not all open within
   * {@link #START_TIMEOUT} (the run would otherwise fail after ten minutes, saying only that it
   * timed out).
   */
  static void requireStartsInTime(int pages, int perSecond) {
    long limit = START_TIMEOUT.toSeconds() * 9 / 10;
    if (perSecond > 0 && (long) pages > limit * perSecond) {
      throw new IllegalArgumentException(
          "--rate "
              + perSecond
              + " opens "
              + pages
              + " pages in "
              + pages / perSecond
              + " s, longer than a start may take ("
              + limit
              + " s): use --rate "
              + (pages + limit - 1) / limit
              + " or more");
    }
  }

  /** The headline figures of one connect/idle measurement of each target. */
  static List<Figure> figures(JsonObject mesh, JsonObject raw, JsonObject io) {
    List<Figure> out = new ArrayList<>();
    out.add(Figure.lower("idleRssKiB.mesh", "Mesh RSS per idle connection", "KiB", kib(mesh)));
    out.add(Figure.lower("idleRssKiB.raw", "raw Vert.x RSS per idle connection", "KiB", kib(raw)));
    out.add(
        Figure.lower("idleRssKiB.socketio", "Socket.IO RSS per idle connection", "KiB", kib(io)));
    out.add(
        Figure.lower(
            "idleRss.meshOverRaw",
            "Mesh / raw RSS per idle connection",
            "x",
            LoadContext.ratio(kib(mesh), kib(raw))));
    out.add(
        Figure.lower(
            "connectCpuSecPer1000.mesh",
            "Mesh edge CPU per 1,000 connects",
            "CPU s",
            mesh.getDouble("edgeCpuSecondsPer1000Connects")));
    out.add(
        Figure.lower(
            "connectCpuSecPer1000.raw",
            "raw Vert.x CPU per 1,000 connects",
            "CPU s",
            raw.getDouble("edgeCpuSecondsPer1000Connects")));
    out.add(
        Figure.lower(
            "connectCpuSecPer1000.socketio",
            "Socket.IO CPU per 1,000 connects",
            "CPU s",
            io.getDouble("edgeCpuSecondsPer1000Connects")));
    out.add(
        Figure.lower(
            "connectCpu.meshOverRaw",
            "Mesh edge / raw CPU per 1,000 connects",
            "x",
            LoadContext.ratio(
                mesh.getDouble("edgeCpuSecondsPer1000Connects"),
                raw.getDouble("edgeCpuSecondsPer1000Connects"))));
    out.add(
        Figure.lower(
            "connectCpu.meshAllOverRaw",
            "all Mesh JVMs / raw CPU per 1,000 connects",
            "x",
            LoadContext.ratio(
                mesh.getDouble("allCpuSecondsPer1000Connects"),
                raw.getDouble("edgeCpuSecondsPer1000Connects"))));
    out.add(
        Figure.lower(
            "connectSecondWaveCpuSecPer1000.mesh",
            "Mesh edge CPU per 1,000 connects, second wave",
            "CPU s",
            secondWaveCpu(mesh)));
    out.add(
        Figure.lower(
            "connectSecondWaveCpuSecPer1000.raw",
            "raw Vert.x CPU per 1,000 connects, second wave",
            "CPU s",
            secondWaveCpu(raw)));
    out.add(
        Figure.lower(
            "connectSecondWaveCpuSecPer1000.socketio",
            "Socket.IO CPU per 1,000 connects, second wave",
            "CPU s",
            secondWaveCpu(io)));
    out.add(
        Figure.lower(
            "connectSecondWaveCpu.meshOverRaw",
            "Mesh edge / raw CPU per 1,000 connects, second wave",
            "x",
            LoadContext.ratio(secondWaveCpu(mesh), secondWaveCpu(raw))));
    if (lastWaveCpu(mesh) != null) {
      out.add(
          Figure.lower(
              "connectLastWaveCpuSecPer1000.mesh",
              "Mesh edge CPU per 1,000 connects, last wave",
              "CPU s",
              lastWaveCpu(mesh)));
      out.add(
          Figure.lower(
              "connectLastWaveCpuSecPer1000.raw",
              "raw Vert.x CPU per 1,000 connects, last wave",
              "CPU s",
              lastWaveCpu(raw)));
      out.add(
          Figure.lower(
              "connectLastWaveCpu.meshOverRaw",
              "Mesh edge / raw CPU per 1,000 connects, last wave",
              "x",
              LoadContext.ratio(lastWaveCpu(mesh), lastWaveCpu(raw))));
    }
    return out;
  }

  /** CPU per 1,000 connects of the last wave, or null when the target had one later wave. */
  private static Double lastWaveCpu(JsonObject target) {
    JsonArray later = target.getJsonArray("laterWaves");
    return later == null
        ? null
        : later.getJsonObject(later.size() - 1).getDouble("edgeCpuSecondsPer1000Connects");
  }

  /** CPU per 1,000 connects of the second wave, or null when the target has none. */
  private static Double secondWaveCpu(JsonObject target) {
    JsonObject second = target.getJsonObject("secondWave");
    return second == null ? null : second.getDouble("edgeCpuSecondsPer1000Connects");
  }

  private static Double kib(JsonObject target) {
    return LoadContext.round(target.getLong("rssBytesPerConnection") / 1024.0);
  }

  /**
   * A later wave of connects ({@code wave} 2, 3, ...): the previous wave's pages leave and as many
   * new ones (new users, so new tokens: nothing comes from the edge's token cache) connect at the
   * same pace, to a server that has by then taken the warm-up and the waves before. It shows how
   * much of the earlier figures was warm-up: in the first wave the JIT compiler took 40-50 % of
   * either server's CPU; in the second raw Vert.x's JIT is nearly done while Mesh's edge is still
   * compiling (the result says how much, {@code edgeJitCpuSecondsPer1000Connects}), and by the
   * fourth both have settled. The first wave stays the headline.
   */
  private static JsonObject laterWave(
      Fleet fleet, Target target, int n, int perSecond, int wave, String previous, Path profile)
      throws Exception {
    String group = "wave" + wave;
    fleet.label(target.name() + " wave " + wave);
    fleet.stop(previous);
    Quiet quiet = awaitQuiet(target);
    fleet.create(group, target, n, LoadContext.steady(), null);
    double edgeCpu0 = target.edgeCpu();
    double allCpu0 = target.allCpu();
    Map<String, ProcStats.ThreadCpu> byThread0 = target.edgeThreadCpu();
    target.startProfile(profile);
    long t0 = System.nanoTime();
    int failed = fleet.start(group, 200, perSecond, START_TIMEOUT);
    double seconds = (System.nanoTime() - t0) / 1e9;
    target.dumpProfile(profile, "connect-" + target.name() + "-wave" + wave);
    int measured = n - failed;
    Map<String, double[]> byKind = ProcStats.byKindBetween(byThread0, target.edgeThreadCpu());
    JsonObject stats = fleet.stats();
    return new JsonObject()
        .put("wave", wave)
        // Since the run began: the previous waves' pages were closed by the generator, with 1000.
        .put("errorsSoFar", stats.getInteger("errors"))
        .put("errorCodesSoFar", stats.getJsonObject("errorCodes"))
        .put("quietAfterSeconds", LoadContext.round(quiet.seconds()))
        // False: the edge was still busy after 30 s, and the wave's figure carries some of it.
        .put("edgeQuietBeforeWave", quiet.reached())
        .put("measuredConnects", measured)
        .put("failedConnects", failed)
        .put("connectSeconds", LoadContext.round(seconds))
        .put("connectsPerSecond", LoadContext.round(measured / seconds))
        .put("edgeCpuSecondsPer1000Connects", per1000(target.edgeCpu() - edgeCpu0, measured))
        .put("edgeJitCpuSecondsPer1000Connects", per1000(cpuOf(byKind, "jit"), measured))
        .put("edgeGcCpuSecondsPer1000Connects", per1000(cpuOf(byKind, "gc"), measured))
        .put("allCpuSecondsPer1000Connects", per1000(target.allCpu() - allCpu0, measured))
        .put("edgeCpuByThreadPer1000Connects", byKindPer1000(byKind, measured));
  }

  /**
   * The edge's CPU per 1,000 connects by kind of thread, user and system apart: {@code
   * {"eventLoop": {"user": .., "system": ..}, ..}}. System time is what a Java profile leaves out
   * (wake-ups, socket calls), so this shows where a connect's cost lies that the profile cannot
   * name.
   */
  static JsonObject byKindPer1000(Map<String, double[]> byKind, int connects) {
    JsonObject out = new JsonObject();
    byKind.forEach(
        (kind, cpu) ->
            out.put(
                kind,
                new JsonObject()
                    .put("user", per1000(cpu[0], connects))
                    .put("system", per1000(cpu[1], connects))));
    return out;
  }

  /** User plus system CPU seconds of one kind of thread ({@link ProcStats#byKindBetween}). */
  static double cpuOf(Map<String, double[]> byKind, String kind) {
    double[] cpu = byKind.get(kind);
    return cpu[0] + cpu[1];
  }

  /** Below this share of a core over a second, the edge has finished the previous wave's closes. */
  static final double QUIET_CORES = 0.25;

  /** How long the wait for a quiet edge took, and whether the edge got quiet at all. */
  private record Quiet(double seconds, boolean reached) {}

  /**
   * Waits until the edge has finished the work of the closes (they are not the next wave's
   * connects): at least 3 s, then until a second passes with the edge under {@link #QUIET_CORES},
   * at most 30 s.
   */
  private static Quiet awaitQuiet(Target target) throws Exception {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(30);
    Thread.sleep(3000);
    double before = target.edgeCpu();
    boolean reached = false;
    while (!reached && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      double now = target.edgeCpu();
      reached = now - before < QUIET_CORES;
      before = now;
    }
    return new Quiet((System.nanoTime() - start) / 1e9, reached);
  }

  private static Double per1000(double cpuSeconds, int connects) {
    return LoadContext.round(cpuSeconds / Math.max(1, connects) * 1000);
  }

  /**
   * Connect phase (rate, CPU per 1,000 connects) and idle phase (memory per connection, CPU at
   * rest); the pages open as fast as the server takes them, or {@code perSecond} a second when
   * above 0.
   */
  static JsonObject measure(LoadContext ctx, Target target, int perSecond) throws Exception {
    int n = ctx.n();
    // Warm-up connects, not measured, meant to leave the JIT's first compiles out of the figure;
    // 1,000 do not reach steady state for either server (the JIT is still 40-50 % of the first
    // wave's CPU), which the second wave shows. The warm-up pages stay open and count in the memory
    // per connection.
    int warmCount = Math.min(1000, n / 4);
    try (target;
        Fleet fleet = ctx.fleet(n + warmCount)) {
      fleet.label(target.name() + " connect");
      Thread.sleep(2000);
      long heapBefore = target.edgeHeapAfterGc();
      long rssBefore = target.edgeRss();
      fleet.create("warm", target, warmCount, LoadContext.steady(), null);
      fleet.create("idle", target, n, LoadContext.steady(), null);
      int warmFailed = fleet.start("warm", 200, perSecond, START_TIMEOUT);
      double edgeCpu0 = target.edgeCpu();
      double allCpu0 = target.allCpu();
      Map<String, ProcStats.ThreadCpu> byThread0 = target.edgeThreadCpu();
      target.startProfile(ctx.jfr());
      long t0 = System.nanoTime();
      int failed = fleet.start("idle", 200, perSecond, START_TIMEOUT);
      double seconds = (System.nanoTime() - t0) / 1e9;
      target.dumpProfile(ctx.jfr(), "connect-" + target.name());
      double edgeCpu = target.edgeCpu() - edgeCpu0;
      double allCpu = target.allCpu() - allCpu0;
      // JIT and collector from the per-thread readings: a compiler thread the JVM stops in between
      // must not take its earlier CPU out of the figure.
      Map<String, double[]> byKind = ProcStats.byKindBetween(byThread0, target.edgeThreadCpu());
      double edgeJit = cpuOf(byKind, "jit");
      double edgeGc = cpuOf(byKind, "gc");
      fleet.label(target.name() + " idle");
      Thread.sleep(5000);
      long heapAfter = target.edgeHeapAfterGc();
      Thread.sleep(1000);
      long rssAfter = target.edgeRss();
      double restCpu0 = target.allCpu();
      Thread.sleep(10_000);
      double restCpu = (target.allCpu() - restCpu0) / 10.0;
      JsonObject stats = fleet.stats();
      int open = stats.getInteger("open");
      int measured = n - failed;
      JsonObject r =
          target
              .describe()
              .put("connections", open)
              .put("warmupConnections", warmCount - warmFailed)
              .put("measuredConnects", measured)
              .put("failedConnects", failed + warmFailed)
              .put("generatorProcesses", fleet.processes())
              .put("connectSeconds", LoadContext.round(seconds))
              .put("connectsPerSecond", LoadContext.round(measured / seconds))
              .put("pacedConnectsPerSecond", perSecond == 0 ? null : perSecond)
              .put(
                  "edgeCpuSecondsPer1000Connects",
                  LoadContext.round(edgeCpu / Math.max(1, measured) * 1000))
              // What the edge figure is made of: the JIT still compiling the connect path (the
              // warm-up does not take either server to steady state), the collector, the rest.
              .put(
                  "edgeJitCpuSecondsPer1000Connects",
                  LoadContext.round(edgeJit / Math.max(1, measured) * 1000))
              .put(
                  "edgeGcCpuSecondsPer1000Connects",
                  LoadContext.round(edgeGc / Math.max(1, measured) * 1000))
              .put(
                  "allCpuSecondsPer1000Connects",
                  LoadContext.round(allCpu / Math.max(1, measured) * 1000))
              .put("edgeCpuByThreadPer1000Connects", byKindPer1000(byKind, measured))
              .put("rssBytesPerConnection", (rssAfter - rssBefore) / Math.max(1, open))
              .put("heapBytesPerConnection", (heapAfter - heapBefore) / Math.max(1, open))
              .put("rssBefore", rssBefore)
              .put("rssAfter", rssAfter)
              .put("heapBefore", heapBefore)
              .put("heapAfter", heapAfter)
              .put("cpuCoresAtRest", LoadContext.round(restCpu))
              .put("errors", stats.getInteger("errors"))
              // Pages that closed with a code other than 1000, by code: so far only the warm-up's.
              .put("errorCodes", stats.getJsonObject("errorCodes"));
      // The second wave, and with --waves more than 1 the waves after it (laterWaves: all of them).
      JsonArray later = new JsonArray();
      String previous = "idle";
      for (int wave = 2; wave <= ctx.options.waves() + 1; wave++) {
        // With --jfr the last wave is recorded too: the warm connect, where the target is judged.
        Path profile = wave == ctx.options.waves() + 1 ? ctx.jfr() : null;
        later.add(laterWave(fleet, target, n, perSecond, wave, previous, profile));
        previous = "wave" + wave;
      }
      r.put("secondWave", later.getJsonObject(0));
      if (later.size() > 1) {
        r.put("laterWaves", later);
      }
      LoadContext.print(r);
      return r;
    }
  }
}
