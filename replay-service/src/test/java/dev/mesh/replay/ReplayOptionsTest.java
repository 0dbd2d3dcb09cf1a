package dev.mesh.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import dev.mesh.common.replay.store.ChannelPolicy;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("replay-service configuration")
class ReplayOptionsTest {

  @Test
  @DisplayName("has documented defaults")
  void defaults() {
    Env env = Env.of(Map.of());
    ReplayOptions options = ReplayOptions.fromEnv(env);
    env.validate();
    assertThat(options.httpPort()).isEqualTo(8082);
    assertThat(options.service().ops().port()).isEqualTo(9082);
    assertThat(options.channels().policyFor("room:1"))
        .isEqualTo(new ChannelPolicy(1000, 300_000, 300_000, 5000, 3_600_000));
    assertThat(options.httpToken()).isNull();
    assertThat(options.maxEventBytes()).isEqualTo(65_536);
    assertThat(options.maxPageSize()).isEqualTo(500);
    assertThat(options.backups()).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "applies the first channel rule that matches, by prefix or exact name, and keeps a channel at least as long as its ttl")
  void rules() {
    Env env =
        Env.of(
            Map.of(
                "MESH_REPLAY_CHANNELS", "user:*=200/10m, room:lobby=5000/2h, room:*=50/30s",
                "MESH_REPLAY_HISTORY_SIZE", "300",
                "MESH_REPLAY_HISTORY_TTL", "1m"));
    ChannelRules rules = ReplayOptions.fromEnv(env).channels();
    env.validate();
    assertThat(rules.policyFor("user:42").capacity()).isEqualTo(200);
    assertThat(rules.policyFor("user:42").ttlMillis()).isEqualTo(600_000);
    assertThat(rules.policyFor("room:lobby").capacity()).isEqualTo(5000);
    assertThat(rules.policyFor("room:lobby").idleMillis())
        .as("idle raised to the 2h ttl")
        .isEqualTo(7_200_000);
    assertThat(rules.policyFor("room:7").capacity()).isEqualTo(50);
    assertThat(rules.policyFor("other").capacity()).isEqualTo(300);
    assertThat(rules.policyFor("other").ttlMillis()).isEqualTo(60_000);
  }

  @Test
  @DisplayName("rejects every invalid value at once, naming each")
  void rejects() {
    Env env =
        Env.of(
            Map.of(
                "MESH_REPLAY_CHANNELS", "user:*=200, room:*=0/1m, a*b=1/1m, ok:*=5/1ms",
                "MESH_REPLAY_MAX_PAGE", "0",
                "MESH_REPLAY_HTTP_PORT", "http"));
    ReplayOptions.fromEnv(env);
    assertThatThrownBy(env::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"user:*=200\" must look like")
        .hasMessageContaining("\"room:*=0/1m\": capacity")
        .hasMessageContaining("\"a*b=1/1m\" must look like")
        .hasMessageContaining("\"ok:*=5/1ms\": ttl")
        .hasMessageContaining("MESH_REPLAY_MAX_PAGE")
        .hasMessageContaining("MESH_REPLAY_HTTP_PORT");
  }

  @Test
  @DisplayName(
      "refuses to bind the HTTP API off loopback without MESH_PUBLISH_TOKEN, and a short token")
  void httpApiOffLoopbackNeedsToken() {
    for (String host : new String[] {"0.0.0.0", "10.0.0.5", "replay.internal", "::"}) {
      Env env = Env.of(Map.of("MESH_REPLAY_HTTP_HOST", host));
      ReplayOptions.fromEnv(env);
      assertThatThrownBy(env::validate).as(host).hasMessageContaining("MESH_PUBLISH_TOKEN");
    }
    for (String host : new String[] {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
      Env env = Env.of(Map.of("MESH_REPLAY_HTTP_HOST", host));
      ReplayOptions.fromEnv(env);
      env.validate();
    }
    Env withToken =
        Env.of(
            Map.of(
                "MESH_REPLAY_HTTP_HOST",
                "0.0.0.0",
                "MESH_PUBLISH_TOKEN",
                "a-long-enough-publish-token"));
    assertThat(ReplayOptions.fromEnv(withToken).httpToken())
        .isEqualTo("a-long-enough-publish-token");
    withToken.validate();
    Env shortToken = Env.of(Map.of("MESH_PUBLISH_TOKEN", "short"));
    ReplayOptions.fromEnv(shortToken);
    assertThatThrownBy(shortToken::validate).hasMessageContaining("at least 16");
  }
}
