package dev.mesh.common.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceContext;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Runtime meters of every service: event-loop delay, cluster members, partition safety")
class RuntimeMetersTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final List<RunningService> running = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (RunningService service : running) {
      service.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private RunningService start(ServiceOptions options) throws Exception {
    MeshService service =
        new MeshService() {
          @Override
          public String name() {
            return "test-service";
          }

          @Override
          public ServiceOptions serviceOptions() {
            return options;
          }

          @Override
          public Future<Void> deploy(ServiceContext context) {
            return Future.succeededFuture();
          }
        };
    RunningService started =
        ServiceLauncher.start(service)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    running.add(started);
    return started;
  }

  private static HttpResponse<String> get(RunningService service, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double sample(String text, String series) {
    Matcher matcher =
        Pattern.compile("(?m)^" + Pattern.quote(series) + "(?:\\{[^}]*})? (\\S+)$").matcher(text);
    assertThat(matcher.find()).as(series + " in /metrics").isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  private static void await(BooleanSupplier condition, String what) throws Exception {
    Poll.until(Duration.ofSeconds(20), what, condition);
  }

  @Test
  @DisplayName(
      "a handler that holds an event loop for 400 ms shows in mesh_event_loop_delay_seconds")
  void eventLoopDelay() throws Exception {
    RunningService service = start(ServiceOptions.forTest(TestClusters.fresh()));
    String idle = get(service, "/metrics").body();
    assertThat(sample(idle, "mesh_event_loop_delay_seconds_count"))
        .as("samples taken")
        .isPositive();
    assertThat(idle).contains("mesh_event_loop_delay_seconds_bucket{");

    // Hold every event loop once: whichever loop a probe sits on is held, and a probe sits on every
    // loop.
    var vertx = service.node().vertx();
    List<Future<Void>> held = new ArrayList<>();
    for (int i = 0; i < io.vertx.core.VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE; i++) {
      held.add(
          vertx
              .executeBlocking(() -> null)
              .compose(
                  v -> {
                    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
                    vertx
                        .getOrCreateContext()
                        .runOnContext(
                            x -> {
                              long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
                              while (System.nanoTime() < until) {
                                Thread.onSpinWait();
                              }
                              done.complete();
                            });
                    return done.future();
                  }));
    }
    Future.all(held).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    await(
        () -> {
          try {
            return sample(get(service, "/metrics").body(), "mesh_event_loop_delay_seconds_max")
                >= 0.3;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        "mesh_event_loop_delay_seconds_max reaches 0.3 s after a 400 ms hold");
  }

  @Test
  @DisplayName(
      "members, data members and partition safety are exposed; /ready gates on safety only when asked to")
  void clusterMeters() throws Exception {
    var cluster = TestClusters.fresh();
    RunningService plain = start(ServiceOptions.forTest(cluster));
    RunningService gated =
        start(
            new ServiceOptions(
                cluster, new OpsOptions(OpsOptions.DEFAULT_HOST, 0, true), Duration.ofSeconds(10)));

    await(
        () -> {
          try {
            String text = get(plain, "/metrics").body();
            return sample(text, "mesh_cluster_members") == 2
                && sample(text, "mesh_cluster_partitions_safe") == 1;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        "two members and safe partitions seen by the first node");
    assertThat(sample(get(plain, "/metrics").body(), "mesh_cluster_data_members")).isEqualTo(2);

    JsonArray plainChecks = new JsonObject(get(plain, "/ready").body()).getJsonArray("checks");
    assertThat(plainChecks.stream().map(c -> ((JsonObject) c).getString("id")))
        .doesNotContain("partitions-safe");

    await(
        () -> {
          try {
            return get(gated, "/ready").statusCode() == 200;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        "the gated node ready once its partitions are safe");
    JsonArray gatedChecks = new JsonObject(get(gated, "/ready").body()).getJsonArray("checks");
    assertThat(
            gatedChecks.stream()
                .map(c -> (JsonObject) c)
                .filter(c -> c.getString("id").equals("partitions-safe"))
                .map(c -> c.getString("status")))
        .containsExactly("UP");
  }

  @Test
  @DisplayName(
      "Vert.x's per-request HTTP server meters are on by default and off with MESH_VERTX_HTTP_SERVER_METRICS=false; JVM meters stay")
  void vertxHttpServerMetersCanBeTurnedOff() throws Exception {
    var cluster = TestClusters.fresh();
    RunningService metered = start(ServiceOptions.forTest(cluster));
    RunningService quiet =
        start(
            new ServiceOptions(
                cluster,
                new OpsOptions(OpsOptions.DEFAULT_HOST, 0, false, false),
                Duration.ofSeconds(10)));
    for (RunningService service : List.of(quiet, metered)) {
      // Requests to the ops server itself: the meters, when on, have something to count.
      assertThat(get(service, "/health").statusCode()).isEqualTo(200);
      assertThat(get(service, "/health").statusCode()).isEqualTo(200);
    }
    String quietText = get(quiet, "/metrics").body();
    assertThat(quietText).doesNotContain("vertx_http_server_").contains("jvm_memory_used_bytes");
    assertThat(get(metered, "/metrics").body()).contains("vertx_http_server_");
  }
}
