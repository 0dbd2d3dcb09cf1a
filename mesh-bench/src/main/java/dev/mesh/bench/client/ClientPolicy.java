package dev.mesh.bench.client;

import java.time.Duration;

/**
 * How a simulated page keeps its connection: its own heartbeat (PROTOCOL.md section 4, client side) and its
 * reconnect backoff (section 5.3: exponential, capped, jitter U(0.8, 1.2) after the cap), scaled down for tests.
 *
 * @param pingInterval  client ping period; zero disables the client heartbeat (the page only answers server pings)
 * @param pongTimeout   silence after a ping past which the connection is declared dead
 * @param backoffBase   delay before the first reconnect attempt
 * @param backoffCap    largest delay before jitter
 * @param reconnect     whether to reconnect at all after a close
 * @param connectTimeout longest wait for the upgrade and the {@code welcome} frame
 */
public record ClientPolicy(Duration pingInterval, Duration pongTimeout, Duration backoffBase, Duration backoffCap,
                           boolean reconnect, Duration connectTimeout) {

  /** The browser client's defaults (25 s pings, 10 s pong timeout, 1 s to 30 s backoff). */
  public static ClientPolicy browser() {
    return new ClientPolicy(Duration.ofSeconds(25), Duration.ofSeconds(10), Duration.ofSeconds(1),
        Duration.ofSeconds(30), true, Duration.ofSeconds(10));
  }

  /** Fast detection and retries for chaos tests. */
  public static ClientPolicy fast() {
    return new ClientPolicy(Duration.ofMillis(500), Duration.ofMillis(1500), Duration.ofMillis(200),
        Duration.ofSeconds(2), true, Duration.ofSeconds(3));
  }

  public ClientPolicy withPing(Duration interval, Duration timeout) {
    return new ClientPolicy(interval, timeout, backoffBase, backoffCap, reconnect, connectTimeout);
  }

  public ClientPolicy withBackoff(Duration base, Duration cap) {
    return new ClientPolicy(pingInterval, pongTimeout, base, cap, reconnect, connectTimeout);
  }

  public ClientPolicy withoutReconnect() {
    return new ClientPolicy(pingInterval, pongTimeout, backoffBase, backoffCap, false, connectTimeout);
  }

  /** Delay before reconnect attempt {@code attempt} (1-based). */
  public long delayMillis(int attempt, double random) {
    double capped = Math.min(backoffBase.toMillis() * Math.pow(2, Math.max(0, attempt - 1)), backoffCap.toMillis());
    return Math.round(capped * (0.8 + 0.4 * random));
  }
}
