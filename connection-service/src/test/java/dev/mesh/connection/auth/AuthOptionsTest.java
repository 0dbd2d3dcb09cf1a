package dev.mesh.connection.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Authentication settings: refused at start when unsafe, documented defaults otherwise")
class AuthOptionsTest {

  private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

  private static AuthOptions read(Map<String, String> variables) {
    Map<String, String> all = new HashMap<>(variables);
    all.putIfAbsent("MESH_JWT_SECRET", SECRET);
    Env env = Env.of(all);
    AuthOptions options = AuthOptions.fromEnv(env);
    env.validate();
    return options;
  }

  @Test
  @DisplayName(
      "defaults: no default subscribe or publish (fail closed), cookie mesh_token, own origin only")
  void defaults() {
    AuthOptions options = read(Map.of());
    assertThat(options.defaultSubscribe()).isEmpty();
    assertThat(options.defaultPublish()).isEmpty();
    assertThat(options.cookieName()).isEqualTo("mesh_token");
    assertThat(options.allowedOrigins()).isEmpty();
    assertThat(options.jwks()).isNull();
  }

  @Test
  @DisplayName(
      "MESH_ALLOWED_ORIGINS=* is refused while cookie authentication is on, accepted with MESH_AUTH_COOKIE=none")
  void anyOriginNeedsCookiesOff() {
    assertThatThrownBy(() -> read(Map.of("MESH_ALLOWED_ORIGINS", "*")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_AUTH_COOKIE=none");
    AuthOptions options = read(Map.of("MESH_ALLOWED_ORIGINS", "*", "MESH_AUTH_COOKIE", "none"));
    assertThat(options.anyOrigin()).isTrue();
    assertThat(options.cookieName()).isNull();
    assertThatThrownBy(
            () ->
                read(
                    Map.of(
                        "MESH_ALLOWED_ORIGINS", "*,https://a.example", "MESH_AUTH_COOKIE", "none")))
        .hasMessageContaining("alone");
  }

  @Test
  @DisplayName("origins must be scheme://host[:port]")
  void originSyntax() {
    assertThat(
            read(Map.of("MESH_ALLOWED_ORIGINS", "https://app.example,http://localhost:3000"))
                .allowedOrigins())
        .containsExactly("https://app.example", "http://localhost:3000");
    assertThatThrownBy(() -> read(Map.of("MESH_ALLOWED_ORIGINS", "https://app.example/path")))
        .hasMessageContaining("not an origin");
    assertThatThrownBy(() -> read(Map.of("MESH_ALLOWED_ORIGINS", "app.example")))
        .hasMessageContaining("not an origin");
  }

  @Test
  @DisplayName(
      "MESH_JWT_SECRETS holds kid:secret pairs, each secret 32 bytes or more, each kid once")
  void secretsByKid() {
    AuthOptions options =
        read(
            Map.of(
                "MESH_JWT_SECRETS", "2024:" + SECRET + ",2025:" + SECRET.toUpperCase(Locale.ROOT)));
    assertThat(options.secrets()).containsOnlyKeys("2024", "2025");
    assertThatThrownBy(() -> read(Map.of("MESH_JWT_SECRETS", "k1:short")))
        .hasMessageContaining("at least 32 bytes");
    assertThatThrownBy(() -> read(Map.of("MESH_JWT_SECRETS", "k1:" + SECRET + ",k1:" + SECRET)))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> read(Map.of("MESH_JWT_SECRETS", SECRET)))
        .hasMessageContaining("<kid>:<secret>");
    Map<String, String> kidsOnly = new HashMap<>(Map.of("MESH_JWT_SECRETS", "k1:" + SECRET));
    kidsOnly.put("MESH_JWT_SECRET", "");
    Env env = Env.of(kidsOnly);
    AuthOptions.fromEnv(env);
    env.validate();
  }

  @Test
  @DisplayName("a JWKS URL must be http(s); it is enough as the only key source")
  void jwksUrl() {
    Map<String, String> jwksOnly =
        new HashMap<>(
            Map.of(
                "MESH_JWT_JWKS_URL",
                "https://idp.example/.well-known/jwks.json",
                "MESH_JWT_JWKS_REFRESH",
                "1m"));
    jwksOnly.put("MESH_JWT_SECRET", "");
    Env env = Env.of(jwksOnly);
    AuthOptions options = AuthOptions.fromEnv(env);
    env.validate();
    assertThat(options.jwks().url().getHost()).isEqualTo("idp.example");
    assertThat(options.jwks().refreshInterval()).hasMinutes(1);
    assertThatThrownBy(() -> read(Map.of("MESH_JWT_JWKS_URL", "file:///etc/keys.json")))
        .hasMessageContaining("http or https");
  }

  @Test
  @DisplayName(
      "no key at all is refused; a public-key file that is not an RSA/EC key is refused at start")
  void keysRequired() {
    Map<String, String> none = new HashMap<>();
    none.put("MESH_JWT_SECRET", "");
    Env env = Env.of(none);
    AuthOptions.fromEnv(env);
    assertThatThrownBy(env::validate).hasMessageContaining("no JWT key");
    assertThat(List.of(AuthOptions.DEFAULT_SUBSCRIBE)).containsExactly(List.of());
  }
}
