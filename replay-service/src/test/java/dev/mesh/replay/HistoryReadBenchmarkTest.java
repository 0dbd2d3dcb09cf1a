package dev.mesh.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A measurement, not a test of speed: resumes of 100 missed events (about 100-byte payloads) from a
 * channel that retains {@value #RETAINED} events, on a real 2-member cluster in this JVM. It
 * asserts only that every page is exactly right and logs the server-side {@code
 * mesh_replay_history_latency} p50/p99 of each node for (a) one page resuming, {@value #SEQUENTIAL}
 * times one after the other, and (b) {@value #CONCURRENT} pages resuming at once, {@value #ROUNDS}
 * times. Each phase runs on a cluster of its own (the meter's percentiles cover a 2-minute window,
 * so a shared cluster would mix phases) after a warm-up cluster has compiled the path. Tagged
 * {@code benchmark}, so {@code mvn verify} leaves it out (it took half a minute of every build).
 * Rerun: {@code mvn -o -pl replay-service -am test -Dtest=HistoryReadBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dmesh.test.excludedGroups=} (the {@code test} phase, so
 * that the reactor's own common is on the class path), then read {@code
 * replay-service/target/surefire-reports/dev.mesh.replay.HistoryReadBenchmarkTest-output.txt}.
 */
@Tag("benchmark")
final class HistoryReadBenchmarkTest {

  private static final Logger LOG = LoggerFactory.getLogger(HistoryReadBenchmarkTest.class);
  private static final String CHANNEL = "bench:resume";
  private static final int RETAINED = 5000;
  private static final int MISSED = 100;
  private static final int SEQUENTIAL = 1000;
  private static final int CONCURRENT = 1000;
  private static final int ROUNDS = 3;

  @Test
  @DisplayName(
      "measurement: resume of 100 missed events, sequential and 1,000 at once (logs p50/p99; asserts pages only)")
  void resumeOf100MissedEvents() throws Exception {
    try (ReplayCluster warmUp = start()) {
      Seeded seeded = seed(warmUp);
      sequential(warmUp, seeded, SEQUENTIAL);
      concurrent(warmUp, seeded, ROUNDS);
    }
    try (ReplayCluster cluster = start()) {
      Seeded seeded = seed(cluster);
      List<Long> roundTrips = sequential(cluster, seeded, SEQUENTIAL);
      report("a: one page, sequential x" + SEQUENTIAL, cluster, roundTrips);
    }
    try (ReplayCluster cluster = start()) {
      Seeded seeded = seed(cluster);
      List<Long> roundTrips = concurrent(cluster, seeded, ROUNDS);
      report("b: " + CONCURRENT + " at once x" + ROUNDS, cluster, roundTrips);
    }
  }

  private static ReplayCluster start() throws Exception {
    return ReplayCluster.start(
        2,
        options ->
            options.withRules(
                List.of(new ChannelRules.Rule("bench:*", RETAINED, Duration.ofMinutes(10)))));
  }

  private static ObjectNode payload(int i) {
    // About 100 bytes of JSON, like a typical application event.
    return JsonNodeFactory.instance
        .objectNode()
        .put("kind", "update")
        .put("n", i)
        .put("text", "x".repeat(64));
  }

  /**
   * The channel's head after seeding, and which payload each seq holds (concurrent publishes land
   * in any order).
   */
  private record Seeded(Position head, List<Integer> indexBySeq) {}

  /** Fills the channel's history to {@value #RETAINED} events. */
  private static Seeded seed(ReplayCluster cluster) throws Exception {
    List<PublishRequest> requests =
        IntStream.range(0, RETAINED)
            .mapToObj(i -> new PublishRequest(CHANNEL, "e" + i, payload(i), false))
            .toList();
    List<PublishResult> results =
        ReplayCluster.await(Load.publishAll(cluster.node(0).client(), requests, 64), 120);
    long head = results.stream().mapToLong(PublishResult::seq).max().orElseThrow();
    assertThat(head).isEqualTo(RETAINED);
    int[] indexBySeq = new int[RETAINED + 1];
    for (int i = 0; i < RETAINED; i++) {
      indexBySeq[(int) results.get(i).seq()] = i;
    }
    return new Seeded(
        new Position(results.get(0).epoch(), head), IntStream.of(indexBySeq).boxed().toList());
  }

  private static void check(HistoryPage page, Position after, List<Integer> indexBySeq) {
    assertThat(page.mustReset()).isFalse();
    assertThat(page.events()).hasSize(MISSED);
    for (int i = 0; i < MISSED; i++) {
      Envelope event = page.events().get(i);
      long seq = after.seq() + 1 + i;
      assertThat(event.seq()).isEqualTo(seq);
      assertThat(event.epoch()).isEqualTo(after.epoch());
      int index = indexBySeq.get((int) seq);
      assertThat(event.id()).isEqualTo("e" + index);
      assertThat(event.data()).isEqualTo(payload(index));
    }
    assertThat(page.next()).isEqualTo(new Position(after.epoch(), after.seq() + MISSED));
  }

  /**
   * {@code count} resumes one after the other, alternating the requesting node; round trips in
   * nanoseconds.
   */
  private static List<Long> sequential(ReplayCluster cluster, Seeded seeded, int count)
      throws Exception {
    List<Long> roundTrips = Collections.synchronizedList(new ArrayList<>());
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      // A different position each time, so nothing could be answered from a previous read.
      Position after = new Position(seeded.head().epoch(), seeded.head().seq() - MISSED - (i % 50));
      int node = i % 2;
      chain =
          chain.compose(
              v -> {
                long started = System.nanoTime();
                return cluster
                    .node(node)
                    .client()
                    .history(CHANNEL, after, MISSED)
                    .map(
                        page -> {
                          roundTrips.add(System.nanoTime() - started);
                          check(page, after, seeded.indexBySeq());
                          return null;
                        });
              });
    }
    ReplayCluster.await(chain, 300);
    return roundTrips;
  }

  /** {@code rounds} times, {@value #CONCURRENT} identical resumes sent at once from both nodes. */
  private static List<Long> concurrent(ReplayCluster cluster, Seeded seeded, int rounds)
      throws Exception {
    List<Long> roundTrips = Collections.synchronizedList(new ArrayList<>());
    Position after = new Position(seeded.head().epoch(), seeded.head().seq() - MISSED);
    for (int round = 0; round < rounds; round++) {
      List<Future<HistoryPage>> storm = new ArrayList<>();
      for (int i = 0; i < CONCURRENT; i++) {
        long started = System.nanoTime();
        storm.add(
            cluster
                .node(i % 2)
                .client()
                .history(CHANNEL, after, MISSED)
                .andThen(done -> roundTrips.add(System.nanoTime() - started)));
      }
      ReplayCluster.await(Future.all(storm), 120);
      for (Future<HistoryPage> page : storm) {
        check(page.result(), after, seeded.indexBySeq());
      }
    }
    return roundTrips;
  }

  private static void report(String phase, ReplayCluster cluster, List<Long> roundTrips) {
    for (int i = 0; i < cluster.nodes().size(); i++) {
      HistogramSnapshot snapshot = cluster.node(i).metrics().historyLatency().takeSnapshot();
      StringBuilder quantiles = new StringBuilder();
      for (ValueAtPercentile value : snapshot.percentileValues()) {
        quantiles
            .append(" p")
            .append(Math.round(value.percentile() * 100))
            .append("Millis=")
            .append(String.format("%.3f", value.value(TimeUnit.MILLISECONDS)));
      }
      LOG.info(
          "event=history-benchmark phase=\"{}\" node={} served={}{} (server side: mesh_replay_history_latency)",
          phase,
          i,
          snapshot.count(),
          quantiles);
    }
    List<Long> sorted = roundTrips.stream().sorted().toList();
    LOG.info(
        "event=history-benchmark phase=\"{}\" requests={} roundTripP50Millis={} roundTripP99Millis={} (client side)",
        phase,
        sorted.size(),
        millis(sorted, 50),
        millis(sorted, 99));
  }

  private static String millis(List<Long> sorted, int percent) {
    return String.format(
        "%.3f", sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100)) / 1e6);
  }
}
