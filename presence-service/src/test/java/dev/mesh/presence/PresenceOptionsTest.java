package dev.mesh.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("presence-service configuration from the environment")
class PresenceOptionsTest {

  @Test
  @DisplayName(
      "defaults: debounce 3s, grace 45s, node-loss allowance 8s, sweep 1s, 1000 members, reconcile 30s, HTTP port 9091")
  void defaults() {
    Env env = Env.of(Map.of());
    PresenceOptions options = PresenceOptions.fromEnv(env);
    env.validate();
    assertThat(options.debounce()).isEqualTo(Duration.ofSeconds(3));
    assertThat(options.grace()).isEqualTo(Duration.ofSeconds(45));
    assertThat(options.nodeLossAllowance()).isEqualTo(Duration.ofSeconds(8));
    assertThat(options.sweepInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.maxMembers()).isEqualTo(1000);
    assertThat(options.reconcileInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.retention()).isEqualTo(Duration.ofMinutes(5));
    assertThat(options.httpPort()).isEqualTo(9091);
    assertThat(options.httpHost()).isEqualTo("127.0.0.1");
  }

  @Test
  @DisplayName("windows can be set down to milliseconds")
  void milliseconds() {
    Env env =
        Env.of(
            Map.of(
                "MESH_PRESENCE_DEBOUNCE",
                "5ms",
                "MESH_PRESENCE_GRACE",
                "250",
                "MESH_PRESENCE_SWEEP_INTERVAL",
                "10ms",
                "MESH_PRESENCE_MAX_MEMBERS",
                "3",
                "MESH_OPS_HOST",
                "0.0.0.0"));
    PresenceOptions options = PresenceOptions.fromEnv(env);
    env.validate();
    assertThat(options.timing().debounceMillis()).isEqualTo(5);
    assertThat(options.timing().graceMillis()).isEqualTo(250);
    assertThat(options.sweepInterval()).isEqualTo(Duration.ofMillis(10));
    assertThat(options.maxMembers()).isEqualTo(3);
    assertThat(options.httpHost()).as("follows the ops host").isEqualTo("0.0.0.0");
  }

  @Test
  @DisplayName("every invalid value is reported at once")
  void invalid() {
    Env env =
        Env.of(
            Map.of(
                "MESH_PRESENCE_GRACE",
                "soon",
                "MESH_PRESENCE_MAX_MEMBERS",
                "0",
                "MESH_PRESENCE_SWEEP_INTERVAL",
                "1ms"));
    PresenceOptions.fromEnv(env);
    assertThatThrownBy(env::validate)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(3)
                    .anySatisfy(p -> assertThat(p).startsWith("MESH_PRESENCE_GRACE=soon"))
                    .anySatisfy(p -> assertThat(p).startsWith("MESH_PRESENCE_MAX_MEMBERS=0"))
                    .anySatisfy(p -> assertThat(p).startsWith("MESH_PRESENCE_SWEEP_INTERVAL=1ms")));
  }
}
