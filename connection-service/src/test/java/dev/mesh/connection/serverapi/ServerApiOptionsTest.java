package dev.mesh.connection.serverapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Server API configuration")
class ServerApiOptionsTest {

  private static final String TOKEN = "a-server-api-token-of-some-length";

  private static ServerApiOptions read(Map<String, String> variables) {
    Env env = Env.of(variables);
    ServerApiOptions options = ServerApiOptions.fromEnv(env);
    env.validate();
    return options;
  }

  @Test
  @DisplayName("off unless MESH_SERVER_API_PORT is set; the defaults are README's")
  void offByDefault() {
    ServerApiOptions options = read(Map.of());
    assertThat(options.enabled()).isFalse();
    assertThat(options).isEqualTo(ServerApiOptions.disabled());
    assertThat(options.host()).isEqualTo("127.0.0.1");
    assertThat(options.token()).isNull();
    assertThat(options.ratePerSecond()).isEqualTo(1000);
  }

  @Test
  @DisplayName("a port opens it (0: any free port), with the host, token and rate given")
  void openWhenPortSet() {
    assertThat(read(Map.of("MESH_SERVER_API_PORT", "0")).enabled()).isTrue();
    ServerApiOptions options =
        read(
            Map.of(
                "MESH_SERVER_API_PORT",
                "8090",
                "MESH_SERVER_API_HOST",
                "10.0.0.5",
                "MESH_SERVER_API_TOKEN",
                TOKEN,
                "MESH_SERVER_API_RATE",
                "50"));
    assertThat(options.enabled()).isTrue();
    assertThat(options.port()).isEqualTo(8090);
    assertThat(options.host()).isEqualTo("10.0.0.5");
    assertThat(options.token()).isEqualTo(TOKEN);
    assertThat(options.ratePerSecond()).isEqualTo(50);
  }

  @Test
  @DisplayName(
      "an invalid port, a short token, or no token off loopback are refused with the variable named")
  void refused() {
    assertThatThrownBy(() -> read(Map.of("MESH_SERVER_API_PORT", "http")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_SERVER_API_PORT=http");
    assertThatThrownBy(
            () -> read(Map.of("MESH_SERVER_API_PORT", "8090", "MESH_SERVER_API_TOKEN", "short")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_SERVER_API_TOKEN: must be at least 16");
    assertThatThrownBy(
            () -> read(Map.of("MESH_SERVER_API_PORT", "8090", "MESH_SERVER_API_HOST", "0.0.0.0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_SERVER_API_HOST=0.0.0.0 is not loopback");
    assertThat(read(Map.of("MESH_SERVER_API_HOST", "0.0.0.0")).enabled())
        .as("off: nothing to protect")
        .isFalse();
  }
}
