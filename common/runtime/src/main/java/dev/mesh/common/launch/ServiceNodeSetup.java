package dev.mesh.common.launch;

import dev.mesh.common.cluster.NodeSetup;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.observe.MeshTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;

/**
 * A service's node: Vert.x metrics into the service's registry, its log lines carrying the
 * service's name and node id ({@link LogContext}), and, when {@code tracing} is not null, HTTP
 * requests and event-bus messages traced with the trace context carried across the bus. Without a
 * tracer the node has no tracer at all.
 */
record ServiceNodeSetup(String service, MeterRegistry metrics, OpenTelemetry tracing)
    implements NodeSetup {

  @Override
  public void configure(VertxOptions options, VertxBuilder builder) {
    options.setMetricsOptions(
        new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    builder.withMetrics(new MicrometerMetricsFactory(metrics));
    if (tracing != null) {
      options.setTracingOptions(new OpenTelemetryOptions());
      builder.withTracer(new OpenTelemetryTracingFactory(tracing));
    }
  }

  @Override
  public void started(Vertx vertx, String nodeId) {
    LogContext.nodeStarted(vertx, service, nodeId);
    if (tracing != null) {
      MeshTracing.register(vertx, tracing);
    }
  }
}
