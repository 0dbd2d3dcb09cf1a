package dev.mesh.bench.load;

import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.load.Headlines.Figure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * publish: 20 publishers as fast as their acks return (32 in flight each), up to 100 subscribers,
 * for 20 s, against raw Vert.x and Mesh on one node (where every event is appended to the
 * replicated history before its ack).
 */
final class PublishScenario implements Scenario {

  private static final String CHANNEL = "bench:pub";
  private static final int PUBLISHERS = 20;
  private static final Duration PHASE = Duration.ofSeconds(20);

  @Override
  public String description() {
    return "sustained publish through replay-service with delivery to up to 100 subscribers, raw Vert.x vs Mesh";
  }

  @Override
  public int defaultRuns() {
    return 1;
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    JsonObject raw = measure(ctx, ctx.raw());
    JsonObject mesh = measure(ctx, ctx.mesh(1));
    List<Figure> figures =
        List.of(
            Figure.higher(
                "ackedPerSecond.raw",
                "raw Vert.x acknowledged publishes/s",
                "1/s",
                raw.getDouble("ackedPerSecond")),
            Figure.higher(
                "ackedPerSecond.mesh",
                "Mesh acknowledged publishes/s",
                "1/s",
                mesh.getDouble("ackedPerSecond")),
            Figure.higher(
                "acked.meshOverRaw",
                "Mesh / raw acknowledged publishes/s",
                "x",
                LoadContext.ratio(
                    mesh.getDouble("ackedPerSecond"), raw.getDouble("ackedPerSecond"))));
    return new Run(new JsonObject().put("targets", new JsonArray().add(raw).add(mesh)), figures);
  }

  private static JsonObject measure(LoadContext ctx, Target target) throws Exception {
    int subscriberCount = Math.max(1, Math.min(ctx.n(), 100));
    try (target;
        Fleet fleet = ctx.fleet(subscriberCount)) {
      fleet.label(target.name() + " publish");
      fleet.create("ps", target, subscriberCount, LoadContext.steady(), CHANNEL);
      fleet.start("ps", 200, Duration.ofMinutes(5));
      List<PageClient> publishers = new ArrayList<>();
      for (int i = 0; i < PUBLISHERS; i++) {
        publishers.add(fleet.publisher("pp", i, target.endpoints(), LoadContext.steady()));
      }
      for (PageClient p : publishers) {
        LoadContext.await(p.start(), Duration.ofSeconds(60));
      }
      AtomicLong acked = new AtomicLong();
      long deadline = System.nanoTime() + PHASE.toNanos();
      fleet.mark();
      double cpu0 = target.allCpu();
      long t0 = System.nanoTime();
      for (PageClient p : publishers) {
        for (int i = 0; i < 32; i++) {
          pump(p, deadline, acked);
        }
      }
      Thread.sleep(PHASE.toMillis() + 2000);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = target.allCpu() - cpu0;
      JsonObject r =
          target
              .describe()
              .put("publishers", PUBLISHERS)
              .put("subscribers", subscriberCount)
              .put("ackedPerSecond", LoadContext.round(acked.get() / (double) PHASE.toSeconds()))
              .put("deliveriesPerSecond", LoadContext.round(fleet.received() / seconds))
              .put("cpuMsPerPublish", LoadContext.round(cpu * 1000 / Math.max(1, acked.get())));
      LoadContext.print(r);
      return r;
    }
  }

  private static void pump(PageClient publisher, long deadline, AtomicLong acked) {
    if (System.nanoTime() > deadline) {
      return;
    }
    publisher
        .publish(CHANNEL, LoadContext.payload(0))
        .onSuccess(
            f -> {
              acked.incrementAndGet();
              pump(publisher, deadline, acked);
            });
  }
}
