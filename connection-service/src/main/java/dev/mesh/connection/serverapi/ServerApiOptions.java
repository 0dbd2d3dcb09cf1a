package dev.mesh.connection.serverapi;

import dev.mesh.common.config.Env;
import dev.mesh.common.config.Hosts;
import dev.mesh.common.http.HttpDeadlines;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Configuration of the server API (README "Configuration").
 *
 * @param enabled whether it listens: only when {@code MESH_SERVER_API_PORT} is set (a privileged
 *     API stays closed unless asked for, and several nodes on one host do not fight over a default
 *     port)
 * @param host {@code MESH_SERVER_API_HOST}, default {@value #DEFAULT_HOST}
 * @param port {@code MESH_SERVER_API_PORT} (0: any free port; unset: the API is off)
 * @param token {@code MESH_SERVER_API_TOKEN}: when set, every request needs {@code Authorization:
 *     Bearer <it>}; required (at least {@value #MIN_TOKEN_CHARS} characters) when {@code host} is
 *     not loopback
 * @param maxEventBytes {@code MESH_MAX_EVENT_BYTES}, default 64 KiB (as replay-service): a body may
 *     be this plus {@value #BODY_OVERHEAD} bytes (ids, channel lists, JSON syntax)
 * @param ratePerSecond {@code MESH_SERVER_API_RATE}, default {@value #DEFAULT_RATE}: requests per
 *     second this node accepts (burst twice that); past it, 429 with {@code Retry-After}
 * @param requestTimeout {@code MESH_HTTP_REQUEST_TIMEOUT}, default 10s: headers, and the body, must
 *     arrive within it
 * @param idleTimeout {@code MESH_HTTP_IDLE_TIMEOUT}, default 60s: a kept-alive connection without a
 *     request
 */
public record ServerApiOptions(
    boolean enabled,
    String host,
    int port,
    String token,
    int maxEventBytes,
    int ratePerSecond,
    Duration requestTimeout,
    Duration idleTimeout) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int MIN_TOKEN_CHARS = 16;
  public static final int DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
  public static final int DEFAULT_RATE = 1000;
  public static final int BODY_OVERHEAD = 16 * 1024;

  /** The API closed (the default when {@code MESH_SERVER_API_PORT} is unset). */
  public static ServerApiOptions disabled() {
    return new ServerApiOptions(
        false,
        DEFAULT_HOST,
        0,
        null,
        DEFAULT_MAX_EVENT_BYTES,
        DEFAULT_RATE,
        HttpDeadlines.DEFAULT_REQUEST_TIMEOUT,
        HttpDeadlines.DEFAULT_IDLE_TIMEOUT);
  }

  /** For tests: open on a free loopback port with the given token (null: none). */
  public static ServerApiOptions forTest(String token) {
    return new ServerApiOptions(
        true,
        DEFAULT_HOST,
        0,
        token,
        DEFAULT_MAX_EVENT_BYTES,
        1_000_000,
        HttpDeadlines.DEFAULT_REQUEST_TIMEOUT,
        HttpDeadlines.DEFAULT_IDLE_TIMEOUT);
  }

  public static ServerApiOptions fromEnv(Env env) {
    OptionalInt port = env.optionalPort("MESH_SERVER_API_PORT");
    boolean enabled = port.isPresent();
    String host = env.string("MESH_SERVER_API_HOST", DEFAULT_HOST);
    String token = env.string("MESH_SERVER_API_TOKEN", null);
    if (token != null && token.length() < MIN_TOKEN_CHARS) {
      env.reject("MESH_SERVER_API_TOKEN: must be at least " + MIN_TOKEN_CHARS + " characters");
    }
    if (enabled && token == null && !Hosts.isLoopback(host)) {
      // Publishes to any channel and disconnects anyone: never without a credential from another
      // machine.
      env.reject(
          "MESH_SERVER_API_HOST="
              + host
              + " is not loopback: set MESH_SERVER_API_TOKEN (the server API would"
              + " accept anyone's publishes and kicks), or bind it to 127.0.0.1");
    }
    return new ServerApiOptions(
        enabled,
        host,
        port.orElse(0),
        token,
        env.integer("MESH_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES, 16, 16 * 1024 * 1024),
        env.integer("MESH_SERVER_API_RATE", DEFAULT_RATE, 1, 1_000_000),
        env.duration(
            "MESH_HTTP_REQUEST_TIMEOUT",
            HttpDeadlines.DEFAULT_REQUEST_TIMEOUT,
            Duration.ofMillis(100),
            Duration.ofMinutes(10)),
        env.duration(
            "MESH_HTTP_IDLE_TIMEOUT",
            HttpDeadlines.DEFAULT_IDLE_TIMEOUT,
            Duration.ofSeconds(1),
            Duration.ofHours(1)));
  }

  /** The largest request body accepted. */
  public int maxBodyBytes() {
    return maxEventBytes + BODY_OVERHEAD;
  }

  /** The same options on another port (a node that rejoins the cluster keeps the port it bound). */
  public ServerApiOptions withPort(int value) {
    return new ServerApiOptions(
        enabled, host, value, token, maxEventBytes, ratePerSecond, requestTimeout, idleTimeout);
  }
}
