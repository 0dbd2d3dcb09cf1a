package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.admission.AdmissionOptions;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName(
    "Admission control: a node takes on new connections at its rate and tells the others when to come back")
class AdmissionControlTest {

  private static final int PAGES = 60;
  private static final int RATE = 10;
  private static final int BURST = 5;
  private static final long SLOT_MS = 1000 / RATE;

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  /**
   * One deferral a page got: when its close arrived, the hint of its goodbye, and the close
   * reason's hint.
   */
  private record Deferral(long receivedNanos, long hintMs, long reasonHintMs) {}

  /** What one page went through until it was welcomed. */
  private static final class PageRun {
    final List<Deferral> deferrals = new ArrayList<>();
    int welcomes;
  }

  /**
   * Connects as a browser page would: on close 4006 it waits the goodbye's hint, then tries again,
   * until welcomed.
   */
  private static Future<PageRun> connectHonouringHints(
      Vertx vertx, int port, String token, String page, PageRun run) {
    return TestClient.connect(vertx, port, token, "s", "t", page)
        .compose(
            client -> {
              Promise<PageRun> done = Promise.promise();
              client
                  .welcome()
                  .onSuccess(
                      w -> {
                        run.welcomes++;
                        done.tryComplete(run);
                      });
              client
                  .closed()
                  .onSuccess(
                      code -> {
                        if (done.future().isComplete()) {
                          return;
                        }
                        long received = System.nanoTime();
                        if (code != CloseCode.DEFERRED.code()) {
                          done.tryFail("page " + page + " closed with " + code);
                          return;
                        }
                        JsonObject goodbye = client.framesOfType("goodbye").get(0);
                        Matcher reason =
                            Pattern.compile("retry-after=(\\d+)")
                                .matcher(String.valueOf(client.socket().closeReason()));
                        long hint = goodbye.getLong("retryAfterMs");
                        run.deferrals.add(
                            new Deferral(
                                received,
                                hint,
                                reason.matches() ? Long.parseLong(reason.group(1)) : -1));
                        vertx.setTimer(
                            Math.max(1, hint),
                            t ->
                                connectHonouringHints(vertx, port, token, page, run)
                                    .onComplete(done));
                      });
              return done.future();
            });
  }

  private static Future<String> metrics(Vertx vertx, int opsPort) {
    HttpClient http = vertx.createHttpClient();
    return http.request(HttpMethod.GET, opsPort, "127.0.0.1", "/metrics")
        .compose(request -> request.send().compose(HttpClientResponse::body))
        .map(Buffer::toString)
        // Also keeps the client reachable until the answer: Vert.x closes an unreachable client.
        .eventually(http::close);
  }

  /** The sum of every sample of {@code name} whose labels contain {@code labels}. */
  private static double sample(String metrics, String name, String labels) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(name + "{") && l.contains(labels))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  @DisplayName(
      "60 pages at once on a node admitting 10/s (burst 5): the rest get 4006 with hints that grow with the "
          + "queue, come back at its pace, and every page is admitted exactly once")
  void stormIsShaped(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(
            o ->
                o.withAdmission(
                    new AdmissionOptions(
                        RATE,
                        BURST,
                        1000,
                        Duration.ofSeconds(60),
                        AdmissionOptions.DEFAULT_REGISTRY_WINDOW)))
        .compose(
            edge -> {
              List<PageRun> runs = IntStream.range(0, PAGES).mapToObj(i -> new PageRun()).toList();
              long started = System.nanoTime();
              List<Future<PageRun>> pages =
                  IntStream.range(0, PAGES)
                      .mapToObj(
                          i ->
                              connectHonouringHints(
                                  vertx,
                                  edge.port(),
                                  tokens.valid("adm" + i),
                                  "p" + i,
                                  runs.get(i)))
                      .toList();
              return Future.all(pages)
                  .compose(all -> metrics(vertx, edge.running().opsPort()))
                  .map(
                      metrics -> {
                        double seconds = (System.nanoTime() - started) / 1e9;
                        List<Deferral> firstWave =
                            runs.stream()
                                .filter(r -> !r.deferrals.isEmpty())
                                .map(r -> r.deferrals.get(0))
                                .sorted(Comparator.comparingLong(Deferral::hintMs))
                                .toList();
                        long deferrals = runs.stream().mapToLong(r -> r.deferrals.size()).sum();
                        int k = firstWave.size();
                        test.verify(
                            () -> {
                              assertThat(runs).allSatisfy(r -> assertThat(r.welcomes).isEqualTo(1));
                              assertThat(k)
                                  .as("pages deferred at first")
                                  .isGreaterThanOrEqualTo(PAGES / 2);
                              assertThat(runs.stream().flatMap(r -> r.deferrals.stream()))
                                  .allSatisfy(
                                      d -> {
                                        assertThat(d.reasonHintMs())
                                            .as("close reason retry-after=<hint>")
                                            .isEqualTo(d.hintMs());
                                        assertThat(d.hintMs()).isBetween(250L, 60_000L);
                                      });
                              // Each deferred page got its own slot, 1/rate after the previous one:
                              // the window of the hints
                              // grows with the queue. Judged on the moments the hints point at
                              // (arrival + hint), which do not
                              // depend on how long the pages took to arrive.
                              long[] comeBack =
                                  firstWave.stream()
                                      .mapToLong(d -> d.receivedNanos() / 1_000_000 + d.hintMs())
                                      .sorted()
                                      .toArray();
                              assertThat(comeBack[k - 1] - comeBack[0])
                                  .as("span of the first wave's return times, %d pages", k)
                                  .isGreaterThanOrEqualTo((k - 1) * SLOT_MS - 500);
                              assertThat(firstWave.get(k - 1).hintMs())
                                  .as("the last one waits for the whole queue")
                                  .isGreaterThanOrEqualTo((k - 1) * SLOT_MS / 2);
                              // Served at about the admission rate: 60 pages at 10/s after a burst
                              // of 5 take about 5.5 s.
                              assertThat(seconds)
                                  .isGreaterThan((PAGES - BURST) / (double) RATE * 0.8);
                              assertThat(
                                      sample(
                                          metrics,
                                          "mesh_admission_admitted_total",
                                          "transport=\"websocket\""))
                                  .isEqualTo(PAGES);
                              assertThat(
                                      sample(
                                          metrics,
                                          "mesh_admission_deferred_total",
                                          "transport=\"websocket\""))
                                  .isEqualTo((double) deferrals);
                              assertThat(
                                      sample(
                                          metrics, "mesh_admission_retry_after_seconds_count", ""))
                                  .isEqualTo((double) deferrals);
                              assertThat(sample(metrics, "mesh_admission_pace_per_second", ""))
                                  .as("the pace the hints are spaced for, at most the rate")
                                  .isPositive()
                                  .isLessThanOrEqualTo(RATE);
                              assertThat(sample(metrics, "mesh_http_pending_connections", ""))
                                  .as(
                                      "connections the request deadlines still hold: a deferred"
                                          + " upgrade kept its whole connection until the idle"
                                          + " deadline")
                                  .isZero();
                              assertThat(sample(metrics, "mesh_http_deadline_closed_total", ""))
                                  .isZero();
                              assertThat(sample(metrics, "mesh_token_cache_tokens", ""))
                                  .as("each admitted page's token verified once and kept")
                                  .isEqualTo(PAGES);
                              assertThat(edge.service().edge().node().sessionCount())
                                  .isEqualTo(PAGES);
                            });
                        return runs;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a deferred SSE request gets 503 with Retry-After and the exact hint, before any authentication")
  void sseDeferral(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    HttpClient http = vertx.createHttpClient();
    nodes
        .start(
            o ->
                o.withAdmission(
                    new AdmissionOptions(
                        1,
                        1,
                        1000,
                        Duration.ofSeconds(60),
                        AdmissionOptions.DEFAULT_REGISTRY_WINDOW)))
        .compose(
            edge -> {
              RequestOptions first = sse(edge.port(), "p1", tokens.valid("sea"));
              // No credential at all: the answer is still the deferral, so a crowd costs no token
              // verification.
              RequestOptions second = sse(edge.port(), "p2", null);
              return http.request(first)
                  .compose(r -> r.send())
                  .compose(
                      stream ->
                          http.request(second)
                              .compose(r -> r.send())
                              .compose(
                                  deferred ->
                                      deferred
                                          .body()
                                          .map(
                                              body -> {
                                                test.verify(
                                                    () -> {
                                                      assertThat(stream.statusCode())
                                                          .isEqualTo(200);
                                                      assertThat(deferred.statusCode())
                                                          .isEqualTo(503);
                                                      JsonObject json = new JsonObject(body);
                                                      long hint = json.getLong("retryAfterMs");
                                                      assertThat(json.getString("error"))
                                                          .isEqualTo("unavailable");
                                                      assertThat(hint).isBetween(1000L, 1300L);
                                                      assertThat(deferred.getHeader("Retry-After"))
                                                          .isEqualTo(
                                                              Long.toString((hint + 999) / 1000));
                                                    });
                                                stream.request().connection().close();
                                                return body;
                                              })));
            })
        // Also keeps the client reachable until the end: Vert.x closes an unreachable client.
        .eventually(http::close)
        .onComplete(test.succeedingThenComplete());
  }

  private static RequestOptions sse(int port, String page, String token) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/sse?session=s&tab=t&page=" + page);
    if (token != null) {
      Map.of("Authorization", "Bearer " + token).forEach(options::addHeader);
    }
    return options;
  }
}
