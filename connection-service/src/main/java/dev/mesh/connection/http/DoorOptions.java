package dev.mesh.connection.http;

import dev.mesh.common.config.Env;
import dev.mesh.common.http.HttpDeadlines;
import java.time.Duration;
import java.util.List;

/**
 * Limits at the public port's doors (docs/SECURITY.md): per-address rates, which proxies may name
 * the client, and how long a client may take to send a request.
 *
 * @param trustedProxies {@code MESH_TRUSTED_PROXIES}: IPs or CIDR networks whose {@code
 *     X-Forwarded-For} is believed
 * @param connectRate {@code MESH_CONNECT_RATE_PER_ADDRESS}, default 20/s: connection attempts
 *     ({@code /ws}, {@code /sse}) and {@code POST /auth/ticket} per client address, on this node
 * @param connectBurst {@code MESH_CONNECT_BURST_PER_ADDRESS}, default 100
 * @param postRate {@code MESH_POST_RATE_PER_ADDRESS}, default 200/s: {@code POST /sse/<id>} per
 *     client address
 * @param postBurst {@code MESH_POST_BURST_PER_ADDRESS}, default 400
 * @param requestTimeout {@code MESH_HTTP_REQUEST_TIMEOUT}, default 10s: a request's headers, and
 *     its body, must arrive within this (slowloris is cut)
 * @param idleTimeout {@code MESH_HTTP_IDLE_TIMEOUT}, default 60s: a kept-alive connection without a
 *     request
 */
public record DoorOptions(
    List<String> trustedProxies,
    int connectRate,
    int connectBurst,
    int postRate,
    int postBurst,
    Duration requestTimeout,
    Duration idleTimeout) {

  public static final int DEFAULT_CONNECT_RATE = 20;
  public static final int DEFAULT_CONNECT_BURST = 100;
  public static final int DEFAULT_POST_RATE = 200;
  public static final int DEFAULT_POST_BURST = 400;

  public DoorOptions {
    trustedProxies = List.copyOf(trustedProxies);
  }

  public static DoorOptions defaults() {
    return new DoorOptions(
        List.of(),
        DEFAULT_CONNECT_RATE,
        DEFAULT_CONNECT_BURST,
        DEFAULT_POST_RATE,
        DEFAULT_POST_BURST,
        HttpDeadlines.DEFAULT_REQUEST_TIMEOUT,
        HttpDeadlines.DEFAULT_IDLE_TIMEOUT);
  }

  public static DoorOptions fromEnv(Env env) {
    List<String> proxies = env.list("MESH_TRUSTED_PROXIES", List.of());
    try {
      ClientAddress.trusting(proxies);
    } catch (IllegalArgumentException e) {
      env.reject("MESH_TRUSTED_PROXIES: " + e.getMessage());
      proxies = List.of();
    }
    return new DoorOptions(
        proxies,
        env.integer("MESH_CONNECT_RATE_PER_ADDRESS", DEFAULT_CONNECT_RATE, 1, 1_000_000),
        env.integer("MESH_CONNECT_BURST_PER_ADDRESS", DEFAULT_CONNECT_BURST, 1, 1_000_000),
        env.integer("MESH_POST_RATE_PER_ADDRESS", DEFAULT_POST_RATE, 1, 1_000_000),
        env.integer("MESH_POST_BURST_PER_ADDRESS", DEFAULT_POST_BURST, 1, 1_000_000),
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

  /** For tests: rates too high to matter, default deadlines. */
  public static DoorOptions forTest() {
    return new DoorOptions(
        List.of(),
        1_000_000,
        1_000_000,
        1_000_000,
        1_000_000,
        HttpDeadlines.DEFAULT_REQUEST_TIMEOUT,
        HttpDeadlines.DEFAULT_IDLE_TIMEOUT);
  }

  public DoorOptions withRates(int connect, int connectBurstValue, int post, int postBurstValue) {
    return new DoorOptions(
        trustedProxies,
        connect,
        connectBurstValue,
        post,
        postBurstValue,
        requestTimeout,
        idleTimeout);
  }

  public DoorOptions withTimeouts(Duration request, Duration idle) {
    return new DoorOptions(
        trustedProxies, connectRate, connectBurst, postRate, postBurst, request, idle);
  }

  public DoorOptions withTrustedProxies(List<String> proxies) {
    return new DoorOptions(
        proxies, connectRate, connectBurst, postRate, postBurst, requestTimeout, idleTimeout);
  }
}
