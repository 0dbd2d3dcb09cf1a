package dev.mesh.bench.load;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.load.Headlines.Figure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * resume: N pages on one node drop (as a network failure would), miss {@value #MISSED} events, then
 * come back together (200 every 50 ms, over all generator processes); per page, the time from its
 * reconnect to the arrival of the last missed event, and replay-service's history read latency.
 */
final class ResumeScenario implements Scenario {

  private static final String CHANNEL = "bench:resume";
  static final int MISSED = 100;

  @Override
  public String description() {
    return "N pages miss "
        + MISSED
        + " events, then resume together: page from reconnect to its last missed event";
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    ctx.requireSocketsPerServer("resume (one node)", ctx.n() + 1L);
    int n = ctx.n();
    try (Target.Mesh target = ctx.mesh(1);
        Fleet fleet = ctx.fleet(n)) {
      fleet.label("resume");
      fleet.create("rs", target, n, ClientPolicy.browser(), CHANNEL);
      fleet.start("rs", 200, Duration.ofMinutes(10));
      PageClient publisher = fleet.publisher("rsp", 0, target.endpoints(), LoadContext.steady());
      LoadContext.await(publisher.start(), Duration.ofSeconds(30));
      fleet.call("goAway", new JsonObject().put("group", "rs"), Duration.ofSeconds(60));
      Thread.sleep(3000);
      long lastSeq = 0;
      for (int i = 0; i < MISSED; i++) {
        lastSeq =
            LoadContext.await(
                    publisher.publish(CHANNEL, LoadContext.payload(i)), Duration.ofSeconds(30))
                .getLong("seq");
      }
      long batches0 = fleet.stats().getLong("eventBatches");
      double count0 = target.replayMetric("mesh_replay_history_latency_seconds_count");
      double sum0 = target.replayMetric("mesh_replay_history_latency_seconds_sum");
      double subscribes0 = target.edgeMetric("mesh_subscribe_latency_seconds_count");
      double subscribeSum0 = target.edgeMetric("mesh_subscribe_latency_seconds_sum");
      long t0 = System.nanoTime();
      target.startProfile(ctx.jfr());
      List<JsonObject> parts =
          fleet.call(
              "comeBack",
              new JsonObject()
                  .put("group", "rs")
                  .put("channel", CHANNEL)
                  .put("targetSeq", lastSeq)
                  .put("batch", Math.max(1, 200 / fleet.processes()))
                  .put("pauseMs", 50)
                  .put("timeoutMs", Duration.ofMinutes(5).toMillis()),
              Duration.ofMinutes(6));
      target.dumpProfile(ctx.jfr(), "resume");
      double wall = (System.nanoTime() - t0) / 1e9;
      long batches = fleet.stats().getLong("eventBatches") - batches0;
      double count = target.replayMetric("mesh_replay_history_latency_seconds_count") - count0;
      double sum = target.replayMetric("mesh_replay_history_latency_seconds_sum") - sum0;
      double subscribes = target.edgeMetric("mesh_subscribe_latency_seconds_count") - subscribes0;
      double subscribeSum = target.edgeMetric("mesh_subscribe_latency_seconds_sum") - subscribeSum0;
      long[] durations =
          parts.stream()
              .flatMap(p -> p.getJsonArray("durationMicros").stream())
              .mapToLong(v -> ((Number) v).longValue())
              .sorted()
              .toArray();
      long[] fromSubscribe =
          parts.stream()
              .flatMap(p -> p.getJsonArray("fromSubscribeMicros").stream())
              .mapToLong(v -> ((Number) v).longValue())
              .sorted()
              .toArray();
      Double subscribeP50 = orNull(Latencies.percentileMillisOrNever(fromSubscribe, 50));
      Double subscribeP99 = orNull(Latencies.percentileMillisOrNever(fromSubscribe, 99));
      Double serverSubscribeMean = Latencies.meanMillisOrNull(subscribeSum, subscribes);
      long duplicates = parts.stream().mapToLong(p -> p.getLong("duplicates")).sum();
      long notResumed = Arrays.stream(durations).filter(d -> d == Latencies.NEVER).count();
      Double p50 = orNull(Latencies.percentileMillisOrNever(durations, 50));
      Double p99 = orNull(Latencies.percentileMillisOrNever(durations, 99));
      JsonArray perPage = new JsonArray();
      Arrays.stream(durations)
          .filter(d -> d != Latencies.NEVER)
          .forEach(d -> perPage.add(LoadContext.round(d / 1000.0)));
      JsonObject r =
          target
              .describe()
              .put("pages", n)
              .put("missedEvents", MISSED)
              .put("generatorProcesses", fleet.processes())
              .put("clientResumeP50Ms", p50)
              .put("clientResumeP99Ms", p99)
              // What issue 13's target counts: from the page's subscribe to its last missed event.
              .put("fromSubscribeP50Ms", subscribeP50)
              .put("fromSubscribeP99Ms", subscribeP99)
              .put("pagesNotResumed", notResumed)
              // The edge's share: from a subscribe frame read to its subscribed reply written.
              .put("serverSubscribes", subscribes)
              .put("serverSubscribeMeanMs", serverSubscribeMean)
              .put("serverHistoryReads", count)
              .put("serverHistoryMeanMs", Latencies.meanMillisOrNull(sum, count))
              .put(
                  "serverHistoryP50Ms",
                  LoadContext.round(
                      target.replayMetric("mesh_replay_history_latency_seconds", "quantile=\"0.5\"")
                          * 1000))
              .put(
                  "serverHistoryP99Ms",
                  LoadContext.round(
                      target.replayMetric(
                              "mesh_replay_history_latency_seconds", "quantile=\"0.99\"")
                          * 1000))
              .put("wallSeconds", LoadContext.round(wall))
              .put("duplicates", duplicates)
              // History batches (PROTOCOL 6.2): the missed events of a page come in a frame or a
              // few, not one each.
              .put("eventBatchesReceived", batches);
      LoadContext.print(r);
      r.put("pageResumeMs", perPage);
      return new Run(
          new JsonObject().put("targets", new JsonArray().add(r)),
          List.of(
              Figure.lower(
                  "resumeP50Ms",
                  "page from reconnect to its " + MISSED + "th missed event, p50",
                  "ms",
                  p50),
              Figure.lower(
                  "resumeP99Ms",
                  "page from reconnect to its " + MISSED + "th missed event, p99",
                  "ms",
                  p99),
              Figure.lower(
                  "fromSubscribeP50Ms",
                  "page from its subscribe to its " + MISSED + "th missed event, p50",
                  "ms",
                  subscribeP50),
              Figure.lower(
                  "fromSubscribeP99Ms",
                  "page from its subscribe to its " + MISSED + "th missed event, p99",
                  "ms",
                  subscribeP99),
              Figure.lower(
                  "serverSubscribeMeanMs",
                  "edge from a subscribe to its subscribed reply (history and acks read), mean",
                  "ms",
                  serverSubscribeMean),
              Figure.lower(
                  "resumeDuplicates", "duplicated events", "events", (double) duplicates)));
    }
  }

  static Double orNull(java.util.OptionalDouble value) {
    return value.isPresent() ? LoadContext.round(value.getAsDouble()) : null;
  }
}
