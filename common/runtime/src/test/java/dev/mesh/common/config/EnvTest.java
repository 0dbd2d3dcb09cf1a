package dev.mesh.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.launch.ServiceOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Configuration from environment variables")
class EnvTest {

  @Test
  @DisplayName("with no variables set, every option takes its documented default")
  void defaults() {
    Env env = Env.of(Map.of());
    ServiceOptions options = ServiceOptions.fromEnv(env, 9999);
    env.validate();
    assertThat(options.cluster()).isEqualTo(ClusterOptions.defaults());
    assertThat(options.cluster().members()).containsExactly("127.0.0.1");
    assertThat(options.ops().port()).isEqualTo(9999);
    assertThat(options.ops().host()).isEqualTo("127.0.0.1");
    assertThat(options.shutdownTimeout()).isEqualTo(ServiceOptions.DEFAULT_SHUTDOWN_TIMEOUT);
  }

  @Test
  @DisplayName("variables override defaults, with durations in ms, s, m and lists split on commas")
  void overrides() {
    Env env =
        Env.of(
            Map.of(
                "MESH_CLUSTER_NAME", "prod",
                "MESH_CLUSTER_MEMBERS", "10.0.0.1, 10.0.0.2:5702,,",
                "MESH_CLUSTER_PORT", "6000",
                "MESH_CLUSTER_PORT_AUTO_INCREMENT", "false",
                "MESH_CLUSTER_HEARTBEAT", "2s",
                "MESH_CLUSTER_FAILURE_TIMEOUT", "1m",
                "MESH_BUS_PORT", "17001",
                "MESH_OPS_PORT", "0",
                "MESH_SHUTDOWN_TIMEOUT", "1500ms"));
    ServiceOptions options = ServiceOptions.fromEnv(env, 9999);
    env.validate();
    ClusterOptions cluster = options.cluster();
    assertThat(cluster.clusterName()).isEqualTo("prod");
    assertThat(cluster.members()).containsExactly("10.0.0.1", "10.0.0.2:5702");
    assertThat(cluster.port()).isEqualTo(6000);
    assertThat(cluster.portAutoIncrement()).isFalse();
    assertThat(cluster.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(cluster.failureDetectionTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(cluster.busPort()).isEqualTo(17001);
    assertThat(options.ops().port()).isZero();
    assertThat(options.shutdownTimeout()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  @DisplayName(
      "an optional port is empty when unset, the port when set, and reported (and empty) when invalid")
  void optionalPort() {
    Env env =
        Env.of(
            Map.of(
                "MESH_A_PORT",
                "0",
                "MESH_B_PORT",
                " 8090 ",
                "MESH_C_PORT",
                "70000",
                "MESH_D_PORT",
                " "));
    assertThat(env.optionalPort("MESH_UNSET_PORT")).isEmpty();
    assertThat(env.optionalPort("MESH_D_PORT")).as("blank is unset").isEmpty();
    assertThat(env.optionalPort("MESH_A_PORT")).hasValue(0);
    assertThat(env.optionalPort("MESH_B_PORT")).hasValue(8090);
    assertThat(env.optionalPort("MESH_C_PORT")).isEmpty();
    assertThatThrownBy(env::validate)
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .containsExactly("MESH_C_PORT=70000: must be between 0 and 65535"));
  }

  @Test
  @DisplayName(
      "every invalid value is reported at once, naming the variable, its value and what is allowed")
  void invalidValuesAreAllReported() {
    Env env =
        Env.of(
            Map.of(
                "MESH_CLUSTER_PORT", "seventy",
                "MESH_OPS_PORT", "70000",
                "MESH_CLUSTER_PORT_AUTO_INCREMENT", "maybe",
                "MESH_SHUTDOWN_TIMEOUT", "soon",
                "MESH_CLUSTER_MEMBERS", " , "));
    ServiceOptions.fromEnv(env, 9999);
    assertThatThrownBy(env::validate)
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .containsExactlyInAnyOrder(
                        "MESH_CLUSTER_PORT=seventy: must be a whole number between 1 and 65535",
                        "MESH_OPS_PORT=70000: must be between 0 and 65535",
                        "MESH_CLUSTER_PORT_AUTO_INCREMENT=maybe: must be true or false",
                        "MESH_SHUTDOWN_TIMEOUT=soon: must be a duration such as 250ms, 25s, 5m or 1h",
                        "MESH_CLUSTER_MEMBERS=,: must list at least one item, comma-separated"))
        .hasMessageStartingWith("invalid configuration:");
  }

  @Test
  @DisplayName(
      "a failure-detection timeout below twice the heartbeat is rejected as a cross-field problem")
  void failureTimeoutMustExceedHeartbeat() {
    Env env = Env.of(Map.of("MESH_CLUSTER_HEARTBEAT", "5s", "MESH_CLUSTER_FAILURE_TIMEOUT", "6s"));
    ClusterOptions.fromEnv(env);
    assertThatThrownBy(env::validate)
        .hasMessageContaining("MESH_CLUSTER_FAILURE_TIMEOUT=6s: must be at least twice");
  }

  @Test
  @DisplayName("durations outside their bounds are rejected with the bounds in readable units")
  void durationBounds() {
    Env env = Env.of(Map.of("X", "5ms"));
    assertThat(
            env.duration("X", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10)))
        .isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(env::validate).hasMessageContaining("X=5ms: must be between 10ms and 10m");
    assertThat(
            Env.of(Map.of("Y", "250"))
                .duration("Y", Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))
        .isEqualTo(Duration.ofMillis(250));
  }
}
