package dev.mesh.common.launch;

import dev.mesh.common.cluster.NodeSetup;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.observe.MeshTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A service's node: Vert.x metrics into the service's registry, its log lines carrying the
 * service's name and node id ({@link LogContext}) (Vert.x's per-request HTTP server meters only
 * when {@code httpServerMetrics}: see {@code OpsOptions}), and, when {@code tracing} is not null,
 * HTTP requests and event-bus messages traced with the trace context carried across the bus.
 * Without a tracer the node has no tracer at all.
 */
record ServiceNodeSetup(
    String service, MeterRegistry metrics, OpenTelemetry tracing, boolean httpServerMetrics)
    implements NodeSetup {

  private static final AtomicLong NODES = new AtomicLong();

  @Override
  public void configure(VertxOptions options, VertxBuilder builder) {
    MicrometerMetricsOptions meters =
        new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            // Vert.x keeps one backend per registry name for the whole JVM: under the shared
            // default name, a second node in the process (tests, an embedded mesh) would count
            // into the first node's registry, and stopping either would stop both.
            .setRegistryName(service + "-" + NODES.incrementAndGet());
    if (!httpServerMetrics) {
      meters.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
    }
    options.setMetricsOptions(meters);
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
