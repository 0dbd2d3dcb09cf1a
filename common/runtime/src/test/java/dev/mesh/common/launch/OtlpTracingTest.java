package dev.mesh.common.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.mesh.common.config.ConfigException;
import dev.mesh.common.observe.TelemetryOptions;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code MESH_TRACING=otlp} as a process runs it: the SDK built from the {@code OTEL_*} settings
 * (given here as their system-property equivalents, which the SDK reads the same way), exporting
 * over OTLP/HTTP with the JDK's client to a collector on loopback that records what it receives.
 */
@DisplayName("MESH_TRACING=otlp")
class OtlpTracingTest {

  /**
   * One request to the collector; its protobuf body as ISO-8859-1 text, where plain strings can be
   * found.
   */
  private record Export(String path, String contentType, String bodyText) {
    boolean mentions(String text) {
      return bodyText.contains(text);
    }
  }

  private static final List<String> PROPERTIES =
      List.of("otel.exporter.otlp.endpoint", "otel.bsp.schedule.delay", "otel.traces.sampler");

  private final List<Export> exports = new CopyOnWriteArrayList<>();
  private HttpServer collector;
  private RunningService running;

  @AfterEach
  void stop() throws Exception {
    if (running != null) {
      running.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      running.flushTraces(Duration.ofSeconds(5));
    }
    if (collector != null) {
      collector.stop(0);
    }
    PROPERTIES.forEach(System::clearProperty);
  }

  private static MeshService service(ServiceOptions options) {
    return new MeshService() {
      @Override
      public String name() {
        return "otlp-test-service";
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
  }

  private static ServiceOptions traced() {
    return ServiceOptions.forTest(TestClusters.fresh())
        .withTelemetry(
            new TelemetryOptions(
                TelemetryOptions.LogFormat.TEXT, TelemetryOptions.Tracing.OTLP, null));
  }

  @Test
  @DisplayName("spans of a served request reach the OTLP endpoint, named after the service")
  void exportsOverOtlp() throws Exception {
    collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    collector.createContext(
        "/",
        exchange -> {
          exports.add(
              new Export(
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestHeaders().getFirst("Content-Type"),
                  new String(
                      exchange.getRequestBody().readAllBytes(), StandardCharsets.ISO_8859_1)));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    System.setProperty(
        "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort());
    System.setProperty("otel.bsp.schedule.delay", "100");

    running =
        ServiceLauncher.start(service(traced()))
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + running.opsPort() + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);

    Poll.until(
        Duration.ofSeconds(20),
        "an OTLP export mentioning /health",
        () -> exports.stream().anyMatch(e -> e.mentions("/health")));
    Export export =
        exports.stream()
            .filter(e -> e.mentions("/health"))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no export mentions /health; got " + exports.size() + " exports"));
    assertThat(export.path()).isEqualTo("/v1/traces");
    assertThat(export.contentType()).isEqualTo("application/x-protobuf");
    assertThat(export.mentions("otlp-test-service"))
        .as("service.name defaults to the service's name")
        .isTrue();
    assertThat(exports)
        .allSatisfy(
            e -> assertThat(e.path()).as("only traces are exported").isEqualTo("/v1/traces"));
  }

  @Test
  @DisplayName("an invalid OTEL_* setting is a configuration error, before the node joins")
  void invalidOtelSettingIsAConfigError() {
    System.setProperty("otel.traces.sampler", "sometimes");
    assertThatThrownBy(() -> ServiceLauncher.start(service(traced())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_TRACING=otlp: the OTEL_* configuration is invalid")
        .hasMessageContaining("sometimes");
  }
}
