package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.observe.TelemetryOptions;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.routing.ChannelHub;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import dev.mesh.replay.ReplayOptions;
import dev.mesh.replay.ReplayService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OpenTelemetry tracing on real nodes: a replay-service node and a connection-service node
 * clustered in this JVM, a page connected over a real WebSocket, a publish over replay-service's
 * HTTP API. All nodes export to one in-memory exporter; the trace context can only cross from one
 * node to the other in the event-bus message headers.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Tracing (MESH_TRACING)")
class TracingTest {

  private static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  private static final AttributeKey<String> MESH_CHANNEL = AttributeKey.stringKey("mesh.channel");
  private static final AttributeKey<String> MESH_EVENT_ID = AttributeKey.stringKey("mesh.event.id");

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();
  private final List<RunningService> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    List<Future<Void>> stops;
    synchronized (started) {
      stops = started.stream().map(RunningService::stop).toList();
    }
    Future.join(stops).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    sdk.close();
  }

  private Future<RunningService> start(MeshService service) {
    return ServiceLauncher.start(service)
        .onSuccess(
            running -> {
              synchronized (started) {
                started.add(running);
              }
            });
  }

  private static Future<TestClient> subscribed(
      Vertx vertx, int port, String token, String channel) {
    return TestClient.connect(vertx, port, token, "s", "t", "p")
        .compose(c -> c.welcome().map(w -> c))
        .compose(
            c ->
                c.send(
                        new JsonObject()
                            .put("type", "subscribe")
                            .put("id", "sub1")
                            .put("channel", channel))
                    .compose(v -> c.awaitType("subscribed"))
                    .map(s -> c));
  }

  private static Future<Integer> publishOverHttp(Vertx vertx, int port, String channel, String id) {
    // Closed at the end, which also keeps it reachable: Vert.x closes an unreachable client, and
    // its connections, when the garbage collector finds it, even mid-request.
    HttpClient http = vertx.createHttpClient();
    return http.request(HttpMethod.POST, port, "127.0.0.1", "/channels/" + channel + "/events")
        .compose(
            request ->
                request
                    .putHeader("Content-Type", "application/json")
                    .send(
                        Buffer.buffer(
                            new JsonObject()
                                .put("id", id)
                                .put("data", new JsonObject().put("n", 1))
                                .encode())))
        .compose(response -> response.body().map(body -> response.statusCode()))
        .eventually(http::close);
  }

  /**
   * The first span that matches, once the exporter has it (spans end on several threads after the
   * frame arrives).
   */
  private Future<SpanData> awaitSpan(Vertx vertx, java.util.function.Predicate<SpanData> matches) {
    Promise<SpanData> found = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    vertx.setPeriodic(
        20,
        timer -> {
          Optional<SpanData> span =
              spans.getFinishedSpanItems().stream().filter(matches).findFirst();
          if (span.isPresent()) {
            vertx.cancelTimer(timer);
            found.complete(span.get());
          } else if (System.nanoTime() > deadline) {
            vertx.cancelTimer(timer);
            found.fail(
                "no such span within 10 s; finished: "
                    + spans.getFinishedSpanItems().stream()
                        .map(s -> s.getKind() + " " + s.getName() + " " + s.getAttributes())
                        .toList());
          }
        });
    return found.future();
  }

  @Test
  @DisplayName(
      "one trace runs from an HTTP publish through the event-bus hops to the delivery on another node")
  void publishToDeliveryIsOneTrace(Vertx vertx, VertxTestContext test) {
    ClusterOptions cluster = TestClusters.fresh();
    TelemetryOptions traced = TelemetryOptions.tracingWith(sdk);
    ReplayService replay =
        new ReplayService(
            ReplayOptions.forTest(
                ServiceOptions.forTest(cluster).withTelemetry(traced), List.of()));
    ConnectionService edge =
        new ConnectionService(
            ConnectionOptions.forTest(
                ServiceOptions.forTest(cluster.withLiteMember(true)).withTelemetry(traced),
                AuthOptions.forTest(Tokens.SECRET)));
    Tokens tokens = new Tokens(vertx);
    String channel = "room";
    String eventId = "traced-1";
    start(replay)
        .compose(r -> start(edge).map(e -> r))
        .compose(
            replayNode ->
                subscribed(vertx, edge.httpPort(), tokens.valid("ann"), channel)
                    .compose(
                        page ->
                            publishOverHttp(vertx, replay.httpPort(), channel, eventId)
                                .compose(
                                    status -> {
                                      assertThat(status).isEqualTo(201);
                                      return page.await(
                                          f ->
                                              "event".equals(f.getString("type"))
                                                  && eventId.equals(f.getString("id")));
                                    })))
        .compose(
            frame ->
                awaitSpan(
                    vertx,
                    s ->
                        s.getName().equals(ChannelHub.DELIVER_SPAN)
                            && eventId.equals(s.getAttributes().get(MESH_EVENT_ID))))
        .compose(
            delivery ->
                awaitSpan(
                        vertx,
                        s ->
                            s.getKind() == SpanKind.SERVER
                                && s.getTraceId().equals(delivery.getTraceId()))
                    .map(server -> delivery))
        .onComplete(
            test.succeeding(
                delivery ->
                    test.verify(
                        () -> {
                          String traceId = delivery.getTraceId();
                          List<SpanData> trace =
                              spans.getFinishedSpanItems().stream()
                                  .filter(s -> s.getTraceId().equals(traceId))
                                  .toList();
                          Map<String, SpanData> byId =
                              trace.stream()
                                  .collect(
                                      Collectors.toMap(SpanData::getSpanId, Function.identity()));

                          // The root is replay-service's HTTP server span of the publish request.
                          List<SpanData> roots =
                              trace.stream()
                                  .filter(s -> !s.getParentSpanContext().isValid())
                                  .toList();
                          assertThat(roots).hasSize(1);
                          SpanData root = roots.get(0);
                          assertThat(root.getKind()).isEqualTo(SpanKind.SERVER);
                          assertThat(root.getName()).contains("POST");

                          // Every other span of the trace hangs off a span of the same trace: one
                          // unbroken tree.
                          assertThat(trace)
                              .allSatisfy(
                                  s ->
                                      assertThat(s == root || byId.containsKey(s.getParentSpanId()))
                                          .as(
                                              "parent of %s %s is in the trace",
                                              s.getKind(), s.getName())
                                          .isTrue());

                          // The bus hops, each a sending span (CLIENT) and a receiving span
                          // (SERVER) in Vert.x's tracer: the publish
                          // request to replay-service, then the event published to the channel's
                          // address.
                          String channelAddress = dev.mesh.common.bus.Addresses.channel(channel);
                          String publishAddress = dev.mesh.common.bus.Addresses.PUBLISH;
                          for (String address : List.of(publishAddress, channelAddress)) {
                            for (SpanKind kind : List.of(SpanKind.CLIENT, SpanKind.SERVER)) {
                              assertThat(trace)
                                  .as("%s span of %s", kind, address)
                                  .anySatisfy(
                                      s -> {
                                        assertThat(s.getKind()).isEqualTo(kind);
                                        assertThat(s.getAttributes().get(DESTINATION))
                                            .isEqualTo(address);
                                      });
                            }
                          }

                          // The delivery: a child of the edge's receipt of the channel event, whose
                          // parent context arrived in the
                          // message headers from the other node (remote).
                          SpanData receipt = byId.get(delivery.getParentSpanId());
                          assertThat(receipt).isNotNull();
                          assertThat(receipt.getKind()).isEqualTo(SpanKind.SERVER);
                          assertThat(receipt.getAttributes().get(DESTINATION))
                              .isEqualTo(channelAddress);
                          assertThat(receipt.getParentSpanContext().isRemote()).isTrue();
                          assertThat(byId.get(receipt.getParentSpanId()).getKind())
                              .isEqualTo(SpanKind.CLIENT);
                          assertThat(delivery.getAttributes().get(MESH_CHANNEL)).isEqualTo(channel);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("with tracing off (the default) a node has no tracer at all")
  void offByDefault(Vertx vertx, VertxTestContext test) {
    ClusterOptions cluster = TestClusters.fresh();
    ReplayService replay =
        new ReplayService(ReplayOptions.forTest(ServiceOptions.forTest(cluster), List.of()));
    assertThat(ServiceOptions.forTest(cluster).telemetry().tracingEnabled()).isFalse();
    start(replay)
        .compose(
            node ->
                publishOverHttp(vertx, replay.httpPort(), "quiet", "untraced-1")
                    .map(status -> node))
        .onComplete(
            test.succeeding(
                node ->
                    test.verify(
                        () -> {
                          // No tracer: Vert.x skips its tracing code on every request and message,
                          // and the edge makes no span.
                          assertThat(((VertxInternal) node.node().vertx()).tracer()).isNull();
                          test.completeNow();
                        })));
  }
}
