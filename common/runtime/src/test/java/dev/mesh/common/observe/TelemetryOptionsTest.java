package dev.mesh.common.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MESH_LOG_FORMAT and MESH_TRACING")
class TelemetryOptionsTest {

  @Test
  @DisplayName("text logs and no tracing by default")
  void defaults() {
    Env env = Env.of(Map.of());
    TelemetryOptions options = ServiceOptions.fromEnv(env, 9999).telemetry();
    env.validate();
    assertThat(options.logFormat()).isEqualTo(TelemetryOptions.LogFormat.TEXT);
    assertThat(options.tracing()).isEqualTo(TelemetryOptions.Tracing.OFF);
    assertThat(options.tracingEnabled()).isFalse();
  }

  @Test
  @DisplayName("json and otlp are read in any case")
  void values() {
    Env env = Env.of(Map.of("MESH_LOG_FORMAT", "JSON", "MESH_TRACING", "otlp"));
    TelemetryOptions options = ServiceOptions.fromEnv(env, 9999).telemetry();
    env.validate();
    assertThat(options.logFormat()).isEqualTo(TelemetryOptions.LogFormat.JSON);
    assertThat(options.tracing()).isEqualTo(TelemetryOptions.Tracing.OTLP);
    assertThat(options.tracingEnabled()).isTrue();
  }

  @Test
  @DisplayName(
      "an unknown value is a configuration error naming the variable and the allowed values")
  void unknownValues() {
    Env env = Env.of(Map.of("MESH_LOG_FORMAT", "xml", "MESH_TRACING", "jaeger"));
    ServiceOptions.fromEnv(env, 9999);
    assertThatThrownBy(env::validate)
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .containsExactlyInAnyOrder(
                        "MESH_LOG_FORMAT=xml: must be one of text, json",
                        "MESH_TRACING=jaeger: must be one of off, otlp"));
  }
}
