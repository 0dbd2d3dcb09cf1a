package dev.mesh.common.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Creates the Prometheus registry of a service, tagged with the service name and node id. */
public final class Metrics {

  private static final Path STATM = Path.of("/proc/self/statm");
  private static final long PAGE_SIZE = 4096;

  private Metrics() {}

  public static PrometheusMeterRegistry createRegistry(String service) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service);
    bindResidentMemory(registry);
    return registry;
  }

  /**
   * Resident set size of the process, read from /proc where available: what memory per connection
   * is measured by.
   */
  private static void bindResidentMemory(MeterRegistry registry) {
    if (Files.isReadable(STATM)) {
      Gauge.builder("mesh_process_resident_memory_bytes", Metrics::residentBytes)
          .description("Resident set size of this process")
          .baseUnit("bytes")
          .register(registry);
    }
  }

  private static double residentBytes() {
    try {
      String[] fields = Files.readString(STATM).trim().split("\\s+", -1);
      return Long.parseLong(fields[1]) * PAGE_SIZE;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
