package dev.mesh.bench.client;

import java.time.Duration;

/**
 * How a simulated page keeps its connection: its own heartbeat (PROTOCOL.md section 4, client side)
 * and its reconnect policy (section 5.3), the one of the browser client ({@code mesh-client.js}) or
 * one scaled down for tests: exponential backoff capped, jitter U(0.8, 1.2) after the cap, the
 * server's retry-after hint used instead of the backoff when a close carries one (waiting {@code
 * hint * U(1, 1 + hintJitter)}: never sooner than asked), the first retry after a close seen on the
 * network (no close frame, or a reconnect-range code without a hint) spread over U(0,
 * firstRetrySpread), at once after 4001/4003, the attempt counter reset only after a connection
 * stayed up {@code healthyAfter}, and no reconnect at all after a terminal code (4500-4999). {@link
 * #reconnectDelayMillis} is mesh-client's {@code reconnectDelay}, rule for rule.
 *
 * @param pingInterval client ping period; zero disables the client heartbeat (the page only answers
 *     server pings)
 * @param pongTimeout silence after a ping past which the connection is declared dead
 * @param backoffBase delay before the first reconnect attempt
 * @param backoffCap largest delay before jitter
 * @param reconnect whether to reconnect at all after a close
 * @param connectTimeout longest wait for the upgrade and the {@code welcome} frame
 * @param healthyAfter how long a welcomed connection must stay up before the attempt counter starts
 *     again from 1; zero resets it as soon as the page is ready
 * @param maxAttempts reconnect attempts in a row before the page gives up (the browser client's
 *     state {@code failed}); 0 retries forever
 * @param firstRetrySpread the first retry after a close seen on the network waits U(0, this); zero:
 *     the backoff
 * @param hintJitter a hinted retry waits {@code hint * U(1, 1 + hintJitter)}
 */
public record ClientPolicy(
    Duration pingInterval,
    Duration pongTimeout,
    Duration backoffBase,
    Duration backoffCap,
    boolean reconnect,
    Duration connectTimeout,
    Duration healthyAfter,
    int maxAttempts,
    Duration firstRetrySpread,
    double hintJitter) {

  /** {@code DEFAULTS.maxAttempts} of mesh-client.js. */
  public static final int BROWSER_MAX_ATTEMPTS = 10;

  /** {@code DEFAULTS.firstRetrySpreadMs} of mesh-client.js. */
  public static final Duration BROWSER_FIRST_RETRY_SPREAD = Duration.ofSeconds(5);

  /** {@code DEFAULTS.hintJitter} of mesh-client.js. */
  public static final double BROWSER_HINT_JITTER = 0.1;

  public ClientPolicy {
    if (maxAttempts < 0) {
      throw new IllegalArgumentException(
          "maxAttempts must be >= 0 (0: unlimited), was " + maxAttempts);
    }
    if (firstRetrySpread.isNegative() || hintJitter < 0) {
      throw new IllegalArgumentException("firstRetrySpread and hintJitter must be >= 0");
    }
  }

  /**
   * The browser client's timing (25 s pings, 10 s pong timeout, 1 s to 30 s backoff with 20 %
   * jitter, the first retry after a network close spread over 5 s, hints plus up to 10 %, 10 s
   * connect timeout, attempt counter reset after 10 s connected), retrying forever: long chaos runs
   * must not lose a page to the client's own limit. {@link #browserStrict()} stops after 10
   * attempts in a row as the browser does.
   */
  public static ClientPolicy browser() {
    return new ClientPolicy(
        Duration.ofSeconds(25),
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        true,
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        0,
        BROWSER_FIRST_RETRY_SPREAD,
        BROWSER_HINT_JITTER);
  }

  /**
   * The browser client exactly, including giving up after {@value #BROWSER_MAX_ATTEMPTS} attempts
   * in a row.
   */
  public static ClientPolicy browserStrict() {
    return browser().withMaxAttempts(BROWSER_MAX_ATTEMPTS);
  }

  /**
   * Fast detection and retries for chaos tests (no first-retry spread: the scenarios time their
   * recovery).
   */
  public static ClientPolicy fast() {
    return new ClientPolicy(
        Duration.ofMillis(500),
        Duration.ofMillis(1500),
        Duration.ofMillis(200),
        Duration.ofSeconds(2),
        true,
        Duration.ofSeconds(3),
        Duration.ZERO,
        0,
        Duration.ZERO,
        BROWSER_HINT_JITTER);
  }

  public ClientPolicy withPing(Duration interval, Duration timeout) {
    return new ClientPolicy(
        interval,
        timeout,
        backoffBase,
        backoffCap,
        reconnect,
        connectTimeout,
        healthyAfter,
        maxAttempts,
        firstRetrySpread,
        hintJitter);
  }

  public ClientPolicy withBackoff(Duration base, Duration cap) {
    return new ClientPolicy(
        pingInterval,
        pongTimeout,
        base,
        cap,
        reconnect,
        connectTimeout,
        healthyAfter,
        maxAttempts,
        firstRetrySpread,
        hintJitter);
  }

  public ClientPolicy withoutReconnect() {
    return new ClientPolicy(
        pingInterval,
        pongTimeout,
        backoffBase,
        backoffCap,
        false,
        connectTimeout,
        healthyAfter,
        maxAttempts,
        firstRetrySpread,
        hintJitter);
  }

  public ClientPolicy withMaxAttempts(int attempts) {
    return new ClientPolicy(
        pingInterval,
        pongTimeout,
        backoffBase,
        backoffCap,
        reconnect,
        connectTimeout,
        healthyAfter,
        attempts,
        firstRetrySpread,
        hintJitter);
  }

  public ClientPolicy withConnectTimeout(Duration timeout) {
    return new ClientPolicy(
        pingInterval,
        pongTimeout,
        backoffBase,
        backoffCap,
        reconnect,
        timeout,
        healthyAfter,
        maxAttempts,
        firstRetrySpread,
        hintJitter);
  }

  public ClientPolicy withFirstRetrySpread(Duration spread) {
    return new ClientPolicy(
        pingInterval,
        pongTimeout,
        backoffBase,
        backoffCap,
        reconnect,
        connectTimeout,
        healthyAfter,
        maxAttempts,
        spread,
        hintJitter);
  }

  /**
   * Delay before reconnect attempt {@code attempt} (1-based), {@code random} in [0, 1):
   * mesh-client's backoffDelay.
   */
  public long delayMillis(int attempt, double random) {
    double capped =
        Math.min(
            backoffBase.toMillis() * Math.pow(2, Math.max(0, attempt - 1)),
            (double) backoffCap.toMillis());
    return Math.round(capped * (0.8 + 0.4 * random));
  }

  /**
   * Delay before reconnect attempt {@code attempt} (1-based), mesh-client's {@code reconnectDelay}:
   * with a server hint (milliseconds, or negative for none) {@code hint * U(1, 1 + hintJitter)};
   * the first attempt after a close seen on the network ({@code spread}: false for the page's own
   * detection of a dead connection, which each page makes at its own heartbeat phase) U(0,
   * firstRetrySpread); otherwise {@link #delayMillis}. {@code random} in [0, 1).
   */
  public long reconnectDelayMillis(int attempt, long hint, boolean spread, double random) {
    if (hint >= 0) {
      return Math.round(hint * (1 + hintJitter * random));
    }
    if (attempt == 1 && spread && !firstRetrySpread.isZero()) {
      return Math.round(firstRetrySpread.toMillis() * random);
    }
    return delayMillis(attempt, random);
  }
}
