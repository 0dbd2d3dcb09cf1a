package dev.mesh.common.observe;

import dev.mesh.common.config.Env;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a service logs and traces.
 *
 * @param logFormat {@code MESH_LOG_FORMAT}, default {@code text}: {@code text} (one line per event,
 *     {@code key=value} pairs in the message) or {@code json} (one JSON object per line, Mesh's
 *     context as fields). The format itself is applied by logback.xml, which reads the same
 *     variable; it is read here so that a wrong value stops the service with a clear message
 *     instead of logging in the wrong format.
 * @param tracing {@code MESH_TRACING}, default {@code off}: {@code otlp} traces HTTP requests and
 *     event-bus messages with OpenTelemetry and exports the spans over OTLP, configured by the
 *     standard {@code OTEL_*} variables ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, ...; {@code
 *     OTEL_SERVICE_NAME} defaults to the service's name)
 * @param sdk for tests and embedding: the OpenTelemetry to trace with instead of one built from
 *     {@code OTEL_*} (null otherwise); tracing is on when it is set
 */
public record TelemetryOptions(LogFormat logFormat, Tracing tracing, OpenTelemetry sdk) {

  /** {@code MESH_LOG_FORMAT}. */
  public enum LogFormat {
    TEXT,
    JSON;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code MESH_TRACING}. */
  public enum Tracing {
    OFF,
    OTLP;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final LogFormat DEFAULT_LOG_FORMAT = LogFormat.TEXT;
  public static final Tracing DEFAULT_TRACING = Tracing.OFF;

  private static final TelemetryOptions DEFAULTS =
      new TelemetryOptions(DEFAULT_LOG_FORMAT, DEFAULT_TRACING, null);

  /** Text logs, no tracing. */
  public static TelemetryOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Traces with the given OpenTelemetry (a test's in-memory exporter, an embedding application's
   * SDK).
   */
  public static TelemetryOptions tracingWith(OpenTelemetry sdk) {
    return new TelemetryOptions(DEFAULT_LOG_FORMAT, Tracing.OTLP, sdk);
  }

  public boolean tracingEnabled() {
    return tracing != Tracing.OFF || sdk != null;
  }

  public static TelemetryOptions fromEnv(Env env) {
    LogFormat format = choice(env, "MESH_LOG_FORMAT", LogFormat.class, DEFAULT_LOG_FORMAT);
    Tracing tracing = choice(env, "MESH_TRACING", Tracing.class, DEFAULT_TRACING);
    return new TelemetryOptions(format, tracing, null);
  }

  private static <E extends Enum<E>> E choice(Env env, String name, Class<E> type, E defaultValue) {
    String value = env.string(name, null);
    if (value == null) {
      return defaultValue;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value)) {
        return constant;
      }
    }
    env.reject(
        name
            + "="
            + value
            + ": must be one of "
            + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
    return defaultValue;
  }
}
