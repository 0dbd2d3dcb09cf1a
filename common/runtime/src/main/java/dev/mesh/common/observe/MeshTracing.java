package dev.mesh.common.observe;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.vertx.core.Vertx;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;

/**
 * OpenTelemetry tracing of a node ({@code MESH_TRACING}). Vert.x itself traces HTTP requests and
 * event-bus messages (vertx-opentelemetry) and carries the trace context in the bus message
 * headers; Mesh adds spans where the work that matters has no Vert.x span of its own, such as an
 * event's delivery to a channel's local subscribers.
 *
 * <p>When tracing is off the node has no tracer: Vert.x skips all its tracing code, and {@link
 * #tracer} returns null, which callers look up once and test before doing anything else.
 */
public final class MeshTracing {

  /** Instrumentation scope of Mesh's own spans. */
  public static final String INSTRUMENTATION = "dev.mesh";

  /** Weak keys: a closed node's Vert.x instance is forgotten with it. */
  private static final Map<Vertx, Tracer> TRACERS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private MeshTracing() {}

  /**
   * The SDK configured from the standard {@code OTEL_*} environment variables and system properties
   * (OTLP exporter, {@code OTEL_EXPORTER_OTLP_ENDPOINT}, sampler, resource attributes), with Mesh's
   * defaults underneath: the service name, OTLP over HTTP ({@code http/protobuf}, port 4318 by
   * default), and no OpenTelemetry metrics or logs (Mesh serves Prometheus metrics and writes its
   * own logs).
   */
  public static OpenTelemetrySdk fromEnvironment(String serviceName) {
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(
            () ->
                Map.of(
                    "otel.service.name", serviceName,
                    "otel.traces.exporter", "otlp",
                    // The exporter sends with the JDK's HTTP client, which speaks OTLP over HTTP
                    // only (the spec's default;
                    // the Java SDK's own default is gRPC, which would need OkHttp or grpc-java).
                    "otel.exporter.otlp.protocol", "http/protobuf",
                    "otel.metrics.exporter", "none",
                    "otel.logs.exporter", "none"))
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
  }

  /** The node built on {@code vertx} traces with {@code openTelemetry}. */
  public static void register(Vertx vertx, OpenTelemetry openTelemetry) {
    TRACERS.put(vertx, openTelemetry.getTracer(INSTRUMENTATION));
  }

  /**
   * The tracer of the node built on {@code vertx}, or null when it does not trace. Look it up once,
   * not per event.
   */
  public static Tracer tracer(Vertx vertx) {
    return TRACERS.get(vertx);
  }

  /**
   * Runs {@code work} in a new span named {@code name}, child of the current trace context (the one
   * that arrived with the bus message being handled, for instance), described by {@code describe}
   * (attributes).
   */
  public static void inSpan(
      Tracer tracer, String name, Consumer<SpanBuilder> describe, Runnable work) {
    SpanBuilder builder = tracer.spanBuilder(name);
    describe.accept(builder);
    Span span = builder.startSpan();
    try (Scope ignored = span.makeCurrent()) {
      work.run();
    } catch (RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      throw e;
    } finally {
      span.end();
    }
  }
}
