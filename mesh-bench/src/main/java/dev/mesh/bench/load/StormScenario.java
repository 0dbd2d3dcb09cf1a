package dev.mesh.bench.load;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.load.Headlines.Figure;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * storm: N pages on {@code --nodes} connection nodes (default 2; page i first on node i % nodes),
 * one publisher on the second node publishing {@code --rate} events/s (default {@value
 * #DEFAULT_PUBLISHES_PER_SECOND}) throughout; {@code kill -9} of the first node. The N/nodes pages
 * that lose their node (spread over the survivors, {@link PageHost#endpointOrder}) reconnect as the
 * browser client would ({@link ClientPolicy#browserStrict()}: backoff with jitter, the server's
 * retry-after hints, giving up after 10 attempts) and resume from their last position on the
 * survivor.
 *
 * <p>Measured: per moved page the time from the kill to its last missed event delivered ({@link
 * ResumeAccounting}), to its first welcome and to its first reconnect attempt (their spread, p5 to
 * p95, and the busiest second of first attempts and of all attempts); reconnect attempts, first
 * attempts, hinted retries, welcomes and resumed pages per 100 ms; the survivor's admissions and
 * deferrals (its {@code mesh_connections_opened_total} and {@code mesh_admission_deferred_total}
 * every 250 ms); the ack latency of every publish sent during the storm; every acknowledged event
 * checked on every page (lost, duplicated) after a drain. Before the kill, the delivery latency of
 * the steady publishes (send to arrival at the pages) says whether the generator and the servers
 * keep up with the publish rate at all: when they do not, every page reads a backlog of events
 * before it sees its node's close, and the storm's times measure that backlog.
 */
final class StormScenario implements Scenario {

  static final String CHANNEL = "bench:storm";
  private static final Duration STORM_LIMIT = Duration.ofMinutes(5);
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(60);
  private static final long SLOT_MICROS = 100_000;

  /**
   * Publishes per second without {@code --rate}: 2 to 10,000 pages is 20,000 deliveries a second,
   * which this project's 2-core machine carries with the generator beside the servers. At 10/s the
   * generator fell seconds behind before the kill (4,000 pages: closes seen 6-10 s after it).
   */
  static final int DEFAULT_PUBLISHES_PER_SECOND = 2;

  /** Steady publishing before the kill, whose delivery latency is reported. */
  private static final Duration STEADY = Duration.ofSeconds(5);

  @Override
  public String description() {
    return "kill -9 one of two nodes under N pages (N/2 on it, browser reconnect policy), publishing --rate/s throughout";
  }

  /**
   * One publish of the storm's publisher: when it was sent, when its ack came back (-1: not yet)
   * and its seq.
   */
  static final class Publish {
    final long sentMicros;
    private volatile long ackedMicros = -1;
    private volatile long seq = -1;

    Publish(long sentMicros) {
      this.sentMicros = sentMicros;
    }

    Publish acked(long atMicros, long ackedSeq) {
      seq = ackedSeq;
      ackedMicros = atMicros;
      return this;
    }

    long sentMicros() {
      return sentMicros;
    }

    long ackedMicros() {
      return ackedMicros;
    }

    long seq() {
      return seq;
    }
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    int n = ctx.n();
    int nodes = ctx.options.nodes();
    // Each survivor keeps its N/nodes pages and takes its share of the N/nodes moved ones.
    ctx.requireSocketsPerServer(
        "storm (each survivor after the kill)", (long) Math.ceil((double) n / (nodes - 1)) + 1);
    try (Target.Mesh target = ctx.mesh(nodes);
        Fleet fleet = ctx.fleet(n)) {
      fleet.label("storm: connecting");
      List<Endpoint> endpoints = target.endpoints();
      String killedEndpoint = endpoints.get(0).toString();
      fleet.create("st", target, n, ClientPolicy.browserStrict(), CHANNEL);
      int failedStarts = fleet.start("st", 200, Duration.ofMinutes(10));
      PageClient publisher =
          fleet.publisher("stp", 0, List.of(endpoints.get(1)), LoadContext.steady());
      LoadContext.await(publisher.start(), Duration.ofSeconds(30));
      int publishesPerSecond = ctx.options.rateOr(DEFAULT_PUBLISHES_PER_SECOND);
      fleet.mark();
      List<Publish> publishes = new CopyOnWriteArrayList<>();
      long publishTimer =
          fleet
              .vertx()
              .setPeriodic(
                  Math.max(1, 1000 / publishesPerSecond),
                  t -> {
                    Publish publish = new Publish(PageClient.nowMicros());
                    publishes.add(publish);
                    publisher
                        .publish(CHANNEL, LoadContext.payload(0))
                        .onSuccess(
                            ack -> publish.acked(PageClient.nowMicros(), ack.getLong("seq")));
                  });
      Thread.sleep(STEADY.toMillis());
      long[] steadyDelivery = fleet.latencies();
      ServiceProcess a = target.nodes.get(0);
      List<ServiceProcess> survivors = target.nodes.subList(1, target.nodes.size());
      fleet.label("storm");
      target.startProfile(ctx.jfr());
      AdmissionSampler admissions = new AdmissionSampler(survivors);
      long killedAt = PageClient.nowMicros();
      a.kill();
      admissions.start(killedAt);
      boolean allBack = false;
      long deadline = System.nanoTime() + STORM_LIMIT.toNanos();
      JsonObject ready = new JsonObject();
      while (System.nanoTime() < deadline) {
        ready =
            sum(
                fleet.call(
                    "readyCount",
                    new JsonObject().put("group", "st").put("avoid", killedEndpoint),
                    Duration.ofSeconds(60)));
        fleet.label(
            "storm: " + ready.getInteger("ready") + "/" + ready.getInteger("total") + " back");
        if (ready.getInteger("ready") + ready.getInteger("gaveUp") >= ready.getInteger("total")) {
          allBack = ready.getInteger("ready").equals(ready.getInteger("total"));
          break;
        }
        Thread.sleep(250);
      }
      long stormEnd = PageClient.nowMicros();
      target.dumpProfile(ctx.jfr(), "storm-survivor");
      // Publishing goes on a little after the last page is back, then stops so that the drain has
      // an end.
      Thread.sleep(2000);
      fleet.vertx().cancelTimer(publishTimer);
      long ackWait = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (publisher.pendingPublishes() > 0 && System.nanoTime() < ackWait) {
        Thread.sleep(100);
      }
      admissions.stop();
      List<Publish> sent = new ArrayList<>(publishes);
      long unanswered = sent.stream().filter(p -> p.ackedMicros() < 0).count();
      JsonArray acked = new JsonArray();
      JsonArray ackedSeqs = new JsonArray();
      sent.stream()
          .filter(p -> p.ackedMicros() >= 0)
          .forEach(
              p -> {
                acked.add(new JsonArray().add(p.seq()).add(p.ackedMicros()));
                ackedSeqs.add(p.seq());
              });
      // Drain: every page should get every acknowledged event; wait up to 60 s before counting what
      // is missing.
      fleet.label("storm: drain");
      long drainStart = System.nanoTime();
      int missingPages = Integer.MAX_VALUE;
      while (System.nanoTime() - drainStart < DRAIN_LIMIT.toNanos()) {
        missingPages =
            fleet
                .call(
                    "missing",
                    new JsonObject()
                        .put("group", "st")
                        .put("channel", CHANNEL)
                        .put("acked", ackedSeqs),
                    Duration.ofSeconds(60))
                .stream()
                .mapToInt(r -> r.getInteger("pages"))
                .sum();
        if (missingPages == 0) {
          break;
        }
        Thread.sleep(500);
      }
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      JsonObject report =
          merge(
              fleet.call(
                  "storm",
                  new JsonObject()
                      .put("group", "st")
                      .put("channel", CHANNEL)
                      .put("killedAtMicros", killedAt)
                      .put("killedEndpoint", killedEndpoint)
                      .put("acked", acked),
                  Duration.ofMinutes(2)));
      List<String> survivorMetrics =
          survivors.stream().map(v -> v.getOps("/metrics").map(r -> r.body()).orElse("")).toList();
      String metrics = String.join("\n", survivorMetrics);
      JsonObject r =
          analyse(report, sent, killedAt, stormEnd, admissions.samples())
              .put("target", target.name())
              .put("eventLoops", target.eventLoops())
              .put("pages", n)
              .put("nodes", nodes)
              .put("failedStarts", failedStarts)
              .put("publishesPerSecond", publishesPerSecond)
              .put("preKillDeliveries", steadyDelivery.length)
              .put("preKillDeliveryP50Ms", millis(steadyDelivery, 50))
              .put("preKillDeliveryP99Ms", millis(steadyDelivery, 99))
              .put("generatorProcesses", fleet.processes())
              .put("clientPolicy", PageHost.policyToJson(ClientPolicy.browserStrict()))
              .put("allBack", allBack)
              .put("stormSeconds", LoadContext.round((stormEnd - killedAt) / 1e6))
              .put("publishesSent", sent.size())
              .put("acked", acked.size())
              .put("unanswered", unanswered)
              .put("drainSeconds", LoadContext.round(drainSeconds))
              .put("pagesMissingEventsAfterDrain", missingPages)
              .put(
                  "survivorSubscribes",
                  Prometheus.sum(metrics, "mesh_subscribe_latency_seconds_count")
                      .orElse(Double.NaN))
              .put("survivorSubscribeMeanMs", timerMeanMs(metrics, "mesh_subscribe_latency"))
              .put("survivorSubscribeMaxMs", timerMaxMs(survivorMetrics, "mesh_subscribe_latency"))
              // What the deferred pages were told: the tail of a storm is the pages that wait out
              // a hint while the node may already be free.
              .put("survivorHintMeanMs", timerMeanMs(metrics, "mesh_admission_retry_after"))
              .put("survivorHintMaxMs", timerMaxMs(survivorMetrics, "mesh_admission_retry_after"));
      LoadContext.print(summary(r));
      return new Run(r, figures(r));
    }
  }

  /** Mean of a Micrometer timer over the survivors' scrapes (concatenated), ms; null if none. */
  private static Double timerMeanMs(String metrics, String timer) {
    return Latencies.meanMillisOrNull(
        Prometheus.sum(metrics, timer + "_seconds_sum").orElse(Double.NaN),
        Prometheus.sum(metrics, timer + "_seconds_count").orElse(Double.NaN));
  }

  /** Largest recent value of a Micrometer timer over the survivors' scrapes, ms; null if none. */
  private static Double timerMaxMs(List<String> scrapes, String timer) {
    double maxSeconds =
        scrapes.stream()
            .mapToDouble(m -> Prometheus.sum(m, timer + "_seconds_max").orElse(Double.NaN))
            .max()
            .orElse(Double.NaN);
    return Double.isFinite(maxSeconds) ? LoadContext.round(maxSeconds * 1000) : null;
  }

  private static List<Figure> figures(JsonObject r) {
    return List.of(
        Figure.lower(
            "stormResumedP50Seconds",
            "page fully resumed after the kill, p50",
            "s",
            r.getDouble("resumedP50Seconds")),
        Figure.lower(
            "stormResumedP99Seconds",
            "page fully resumed after the kill, p99",
            "s",
            r.getDouble("resumedP99Seconds")),
        Figure.higher(
            "stormSurvivorAdmissionPerSecond",
            "survivor admission rate (moved pages welcomed/s)",
            "1/s",
            r.getDouble("survivorAdmissionPerSecond")),
        Figure.higher(
            "stormFirstReconnectSpreadSeconds",
            "moved pages' first reconnect attempts, p5 to p95",
            "s",
            r.getDouble("firstReconnectSpreadSeconds")),
        Figure.lower(
            "stormFirstReconnectPeakPerSecond",
            "moved pages' first reconnect attempts in the busiest second",
            "1/s",
            r.getLong("firstReconnectPeakPerSecond") == null
                ? null
                : r.getLong("firstReconnectPeakPerSecond").doubleValue()),
        Figure.lower(
            "stormSurvivorDeferred",
            "connections the survivor deferred (close 4006)",
            "connections",
            r.getDouble("survivorDeferred")),
        Figure.lower(
            "stormPublishAckP50Ms",
            "publish ack latency during the storm, p50",
            "ms",
            r.getDouble("publishAckP50Ms")),
        Figure.lower(
            "stormPublishAckP99Ms",
            "publish ack latency during the storm, p99",
            "ms",
            r.getDouble("publishAckP99Ms")),
        Figure.lower(
            "stormPreKillDeliveryP99Ms",
            "delivery latency before the kill, p99 (the generator keeps up)",
            "ms",
            r.getDouble("preKillDeliveryP99Ms")),
        Figure.lower(
            "stormLost",
            "acknowledged events lost (all pages)",
            "events",
            r.getLong("lost").doubleValue()),
        Figure.lower(
            "stormDuplicated",
            "events delivered twice (all pages)",
            "events",
            r.getLong("duplicates").doubleValue()));
  }

  /** A percentile of latencies in µs, in ms; null when none was measured. */
  private static Double millis(long[] sortedMicros, double p) {
    java.util.OptionalDouble ms = Latencies.percentileMillisOrNever(sortedMicros, p);
    return ms.isPresent() ? LoadContext.round(ms.getAsDouble()) : null;
  }

  /** The per-process storm reports as one. */
  private static JsonObject merge(List<JsonObject> parts) {
    JsonObject out = new JsonObject();
    JsonArray resume = new JsonArray();
    JsonArray welcome = new JsonArray();
    JsonArray attempts = new JsonArray();
    JsonArray firstAttempts = new JsonArray();
    JsonArray retries = new JsonArray();
    JsonObject status = new JsonObject();
    long lost = 0;
    long duplicates = 0;
    long announced = 0;
    long missed = 0;
    for (JsonObject p : parts) {
      p.getJsonArray("resumeMicros").forEach(resume::add);
      p.getJsonArray("welcomeMicros").forEach(welcome::add);
      p.getJsonArray("attemptMicros").forEach(attempts::add);
      p.getJsonArray("firstAttemptMicros").forEach(firstAttempts::add);
      p.getJsonArray("retries").forEach(retries::add);
      p.getJsonObject("status")
          .forEach(
              e ->
                  status.put(
                      e.getKey(),
                      status.getInteger(e.getKey(), 0) + ((Number) e.getValue()).intValue()));
      lost += p.getLong("lost");
      duplicates += p.getLong("duplicates");
      announced += p.getLong("announcedDrops");
      missed += p.getLong("missed");
    }
    return out.put("resumeMicros", resume)
        .put("welcomeMicros", welcome)
        .put("attemptMicros", attempts)
        .put("firstAttemptMicros", firstAttempts)
        .put("retries", retries)
        .put("status", status)
        .put("lost", lost)
        .put("duplicates", duplicates)
        .put("announcedDrops", announced)
        .put("missed", missed);
  }

  /** Figures and plot series of one storm. */
  static JsonObject analyse(
      JsonObject report,
      List<Publish> sent,
      long killedAt,
      long stormEnd,
      List<double[]> survivorOpened) {
    long[] resume = longs(report.getJsonArray("resumeMicros"));
    long[] welcome = longs(report.getJsonArray("welcomeMicros"));
    // Times are relative to the kill; anything before it (clocks of several processes) is not part
    // of the storm.
    long[] attempts =
        Arrays.stream(longs(report.getJsonArray("attemptMicros")))
            .filter(t -> t >= 0)
            .sorted()
            .toArray();
    long[] firstAttempts = longs(report.getJsonArray("firstAttemptMicros", new JsonArray()));
    Arrays.sort(resume);
    Arrays.sort(welcome);
    Arrays.sort(firstAttempts);
    long moved = resume.length;
    long resumed = Arrays.stream(resume).filter(v -> v != Latencies.NEVER).count();
    long welcomed = Arrays.stream(welcome).filter(v -> v != Latencies.NEVER).count();
    JsonObject r =
        new JsonObject()
            .put("pagesOnKilledNode", moved)
            .put("pagesResumed", resumed)
            .put("pageOutcomes", report.getJsonObject("status"))
            .put("allResumed", moved > 0 && resumed == moved)
            .put("resumedP50Seconds", seconds(Latencies.percentileMillisOrNever(resume, 50)))
            .put("resumedP90Seconds", seconds(Latencies.percentileMillisOrNever(resume, 90)))
            .put("resumedP99Seconds", seconds(Latencies.percentileMillisOrNever(resume, 99)))
            .put("allResumedSeconds", seconds(Latencies.percentileMillisOrNever(resume, 100)))
            .put("welcomedP50Seconds", seconds(Latencies.percentileMillisOrNever(welcome, 50)))
            .put("welcomedP99Seconds", seconds(Latencies.percentileMillisOrNever(welcome, 99)))
            .put("missedEventsResumed", report.getLong("missed"))
            .put("lost", report.getLong("lost"))
            .put("duplicates", report.getLong("duplicates"))
            .put("announcedDropsByGapFrames", report.getLong("announcedDrops"));
    // Admission: moved pages welcomed per second, from the first to the last first-welcome after
    // the kill.
    Double admission = null;
    if (welcomed >= 2) {
      double span = (welcome[(int) welcomed - 1] - welcome[0]) / 1e6;
      admission = span > 0 ? LoadContext.round(welcomed / span) : null;
    }
    r.put("survivorAdmissionPerSecond", admission).put("pagesWelcomed", welcomed);
    // How the moved pages came back: when each first tried again after the kill (the client's
    // first-retry spread, or
    // the hints), and the busiest second of those first attempts and of all attempts.
    Double firstP5 = seconds(Latencies.percentileMillisOrNever(firstAttempts, 5));
    Double firstP95 = seconds(Latencies.percentileMillisOrNever(firstAttempts, 95));
    r.put("firstReconnectP5Seconds", firstP5)
        .put(
            "firstReconnectP50Seconds",
            seconds(Latencies.percentileMillisOrNever(firstAttempts, 50)))
        .put("firstReconnectP95Seconds", firstP95)
        .put(
            "firstReconnectSpreadSeconds",
            firstP5 == null || firstP95 == null ? null : LoadContext.round(firstP95 - firstP5))
        .put(
            "firstReconnectPeakPerSecond",
            firstAttempts.length == 0 ? null : busiestSecond(firstAttempts))
        .put("reconnectPeakPerSecond", attempts.length == 0 ? null : busiestSecond(attempts));
    // Publishing during the storm: every publish sent from the kill until the last page was back.
    long[] ackMicros =
        sent.stream()
            .filter(p -> p.sentMicros() >= killedAt && p.sentMicros() <= stormEnd)
            .mapToLong(
                p -> p.ackedMicros() < 0 ? Latencies.NEVER : p.ackedMicros() - p.sentMicros())
            .sorted()
            .toArray();
    r.put("publishesDuringStorm", ackMicros.length)
        .put(
            "publishesDuringStormUnacked",
            Arrays.stream(ackMicros).filter(v -> v == Latencies.NEVER).count())
        .put(
            "publishAckP50Ms",
            ResumeScenario.orNull(Latencies.percentileMillisOrNever(ackMicros, 50)))
        .put(
            "publishAckP99Ms",
            ResumeScenario.orNull(Latencies.percentileMillisOrNever(ackMicros, 99)))
        .put(
            "publishAckMaxMs",
            ResumeScenario.orNull(Latencies.percentileMillisOrNever(ackMicros, 100)));
    // Series for the plots, per 100 ms after the kill.
    long[] hinted =
        report.getJsonArray("retries").stream()
            .map(o -> (JsonArray) o)
            .filter(x -> x.getBoolean(3))
            .mapToLong(x -> x.getLong(0))
            .sorted()
            .toArray();
    long deferredRetries =
        report.getJsonArray("retries").stream()
            .map(o -> (JsonArray) o)
            .filter(x -> x.getLong(1) == 4006)
            .count();
    long lastAttempt = attempts.length == 0 ? 0 : attempts[attempts.length - 1];
    long lastResume = resumed == 0 ? 0 : resume[(int) resumed - 1];
    int slots = (int) (Math.max(lastAttempt, lastResume) / SLOT_MICROS) + 11;
    JsonObject series =
        new JsonObject()
            .put("slotSeconds", SLOT_MICROS / 1e6)
            .put("attempts", perSlot(attempts, slots))
            .put("firstAttempts", perSlot(firstAttempts, slots))
            .put("hintedRetries", perSlot(hinted, slots))
            .put("welcomed", perSlot(welcome, slots))
            .put("resumed", perSlot(resume, slots));
    long peak = 0;
    for (Object v : series.getJsonArray("attempts")) {
      peak = Math.max(peak, ((Number) v).longValue());
    }
    JsonArray opened = new JsonArray();
    survivorOpened.forEach(
        o -> {
          JsonArray sample = new JsonArray().add(LoadContext.round(o[0])).add(o[1]);
          if (o.length > 2) {
            sample.add(o[2]);
          }
          opened.add(sample);
        });
    // Connections the survivors deferred (admission control, close 4006) from the kill to the last
    // sample.
    Double deferred = null;
    if (survivorOpened.size() > 1 && survivorOpened.get(0).length > 2) {
      deferred = survivorOpened.get(survivorOpened.size() - 1)[2] - survivorOpened.get(0)[2];
    }
    JsonArray publishPoints = new JsonArray();
    sent.stream()
        .filter(p -> p.sentMicros() >= killedAt)
        .forEach(
            p ->
                publishPoints.add(
                    new JsonArray()
                        .add(LoadContext.round((p.sentMicros() - killedAt) / 1e6))
                        .add(
                            p.ackedMicros() < 0
                                ? null
                                : LoadContext.round((p.ackedMicros() - p.sentMicros()) / 1000.0))));
    return r.put("reconnectAttempts", attempts.length)
        .put("hintedRetries", hinted.length)
        .put("deferredRetries", deferredRetries)
        .put("survivorDeferred", deferred)
        .put("peakAttemptsPer100ms", peak)
        .put("perSlot", series)
        .put("survivorOpenedTotalOverTime", opened)
        .put("publishAcksAfterKill", publishPoints);
  }

  /**
   * The most of {@code sortedMicros} within any one second (a sliding window); {@link
   * Latencies#NEVER}s ignored.
   */
  static long busiestSecond(long[] sortedMicros) {
    long best = 0;
    int from = 0;
    for (int to = 0; to < sortedMicros.length && sortedMicros[to] != Latencies.NEVER; to++) {
      while (sortedMicros[to] - sortedMicros[from] >= 1_000_000) {
        from++;
      }
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  private static JsonArray perSlot(long[] micros, int slots) {
    long[] counts = new long[slots];
    for (long m : micros) {
      if (m != Latencies.NEVER && m >= 0 && m / SLOT_MICROS < slots) {
        counts[(int) (m / SLOT_MICROS)]++;
      }
    }
    JsonArray out = new JsonArray();
    for (long c : counts) {
      out.add(c);
    }
    return out;
  }

  private static long[] longs(JsonArray values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.getLong(i);
    }
    return out;
  }

  private static Double seconds(java.util.OptionalDouble millis) {
    return millis.isPresent() ? LoadContext.round(millis.getAsDouble() / 1000) : null;
  }

  private static JsonObject sum(List<JsonObject> parts) {
    JsonObject out = new JsonObject();
    for (JsonObject p : parts) {
      for (String k : p.fieldNames()) {
        out.put(k, out.getInteger(k, 0) + p.getInteger(k));
      }
    }
    return out;
  }

  /** The result without its long series, for the console. */
  private static JsonObject summary(JsonObject r) {
    JsonObject s = r.copy();
    s.remove("perSlot");
    s.remove("survivorOpenedTotalOverTime");
    s.remove("publishAcksAfterKill");
    return s;
  }

  /**
   * Polls the survivors' {@code mesh_connections_opened_total} and {@code
   * mesh_admission_deferred_total} every 250 ms (summed): admissions and deferrals over time.
   */
  private static final class AdmissionSampler {
    private final List<ServiceProcess> survivors;
    private final List<double[]> samples = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private Thread thread;

    AdmissionSampler(List<ServiceProcess> survivors) {
      this.survivors = survivors;
    }

    void start(long killedAtMicros) {
      thread =
          new Thread(
              () -> {
                while (running) {
                  double opened = 0;
                  double deferred = 0;
                  for (ServiceProcess survivor : survivors) {
                    String metrics = survivor.getOps("/metrics").map(r -> r.body()).orElse(null);
                    if (metrics == null) {
                      opened = Double.NaN;
                      break;
                    }
                    opened += Prometheus.sum(metrics, "mesh_connections_opened_total").orElse(0);
                    deferred += Prometheus.sum(metrics, "mesh_admission_deferred_total").orElse(0);
                  }
                  if (!Double.isNaN(opened)) {
                    samples.add(
                        new double[] {
                          (PageClient.nowMicros() - killedAtMicros) / 1e6, opened, deferred
                        });
                  }
                  try {
                    Thread.sleep(250);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "storm-admissions");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.interrupt();
      thread.join(5000);
    }

    List<double[]> samples() {
      return samples;
    }
  }
}
