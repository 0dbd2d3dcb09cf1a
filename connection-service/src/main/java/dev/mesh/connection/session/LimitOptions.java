package dev.mesh.connection.session;

import dev.mesh.common.config.Env;
import java.time.Duration;

/**
 * What one connection and one node may use (docs/PROTOCOL.md "Limits").
 *
 * @param maxFrameBytes {@code MESH_MAX_FRAME_BYTES}: largest inbound message; larger closes with
 *     1009
 * @param ratePerSecond {@code MESH_RATE_PER_SECOND}: sustained inbound frames per second per
 *     connection
 * @param rateBurst {@code MESH_RATE_BURST}: burst above the sustained rate
 * @param abuseStrikes {@code MESH_ABUSE_STRIKES}: abuse errors (malformed, invalid, forbidden...)
 *     within 10 s that close the connection with 4502. A frame dropped by the rate limit is
 *     answered {@code rate-limited} with {@code retryAfterMs} and is a strike only when the
 *     window's drops exceed {@code rateBurst} plus {@code ratePerSecond} per second since the
 *     window began: a flood, not a client retrying a little too fast (say through another service's
 *     outage)
 * @param maxSubscriptions {@code MESH_MAX_SUBSCRIPTIONS}: channels per connection
 * @param maxConnectionsPerUser {@code MESH_MAX_CONNECTIONS_PER_USER}: across the cluster; over it
 *     closes with 4503
 * @param closeOldest {@code MESH_USER_LIMIT_POLICY}: {@code refuse-newest} (default, false) refuses
 *     the new connection; {@code close-oldest} (true) closes the user's oldest instead
 * @param maxConnectionsPerNode {@code MESH_MAX_CONNECTIONS_PER_NODE}: over it closes with 4004 (try
 *     another node)
 * @param maxLifetime {@code MESH_MAX_LIFETIME}: a connection older than this is rotated (4001)
 * @param outboundSoftBytes {@code MESH_OUTBOUND_SOFT_BYTES}: past this many unsent bytes,
 *     non-critical events are dropped (the client gets a {@code gap} frame and resumes from its
 *     position)
 * @param outboundHardBytes {@code MESH_OUTBOUND_HARD_BYTES}: past this many bytes queued, or
 *     dropped since the queue last drained, the connection is closed as a slow consumer (4002): a
 *     reader that never catches up is disconnected and resumes through replay
 */
public record LimitOptions(
    int maxFrameBytes,
    int ratePerSecond,
    int rateBurst,
    int abuseStrikes,
    int maxSubscriptions,
    int maxConnectionsPerUser,
    boolean closeOldest,
    int maxConnectionsPerNode,
    Duration maxLifetime,
    int outboundSoftBytes,
    int outboundHardBytes) {

  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  public static final int DEFAULT_RATE_PER_SECOND = 50;
  public static final int DEFAULT_RATE_BURST = 100;
  public static final int DEFAULT_ABUSE_STRIKES = 20;
  public static final int DEFAULT_MAX_SUBSCRIPTIONS = 100;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_USER = 10;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_NODE = 20_000;
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(24);
  public static final int DEFAULT_OUTBOUND_SOFT_BYTES = 1024 * 1024;
  public static final int DEFAULT_OUTBOUND_HARD_BYTES = 4 * 1024 * 1024;

  public static LimitOptions defaults() {
    return new LimitOptions(
        DEFAULT_MAX_FRAME_BYTES,
        DEFAULT_RATE_PER_SECOND,
        DEFAULT_RATE_BURST,
        DEFAULT_ABUSE_STRIKES,
        DEFAULT_MAX_SUBSCRIPTIONS,
        DEFAULT_MAX_CONNECTIONS_PER_USER,
        false,
        DEFAULT_MAX_CONNECTIONS_PER_NODE,
        DEFAULT_MAX_LIFETIME,
        DEFAULT_OUTBOUND_SOFT_BYTES,
        DEFAULT_OUTBOUND_HARD_BYTES);
  }

  public static LimitOptions fromEnv(Env env) {
    int soft =
        env.integer(
            "MESH_OUTBOUND_SOFT_BYTES", DEFAULT_OUTBOUND_SOFT_BYTES, 1024, Integer.MAX_VALUE);
    int hard =
        env.integer(
            "MESH_OUTBOUND_HARD_BYTES", DEFAULT_OUTBOUND_HARD_BYTES, 1024, Integer.MAX_VALUE);
    if (hard < soft) {
      env.reject(
          "MESH_OUTBOUND_HARD_BYTES="
              + hard
              + ": must be at least MESH_OUTBOUND_SOFT_BYTES ("
              + soft
              + ")");
    }
    String policy = env.string("MESH_USER_LIMIT_POLICY", "refuse-newest");
    if (!policy.equals("refuse-newest") && !policy.equals("close-oldest")) {
      env.reject("MESH_USER_LIMIT_POLICY=" + policy + ": must be refuse-newest or close-oldest");
    }
    return new LimitOptions(
        env.integer("MESH_MAX_FRAME_BYTES", DEFAULT_MAX_FRAME_BYTES, 256, 16 * 1024 * 1024),
        env.integer("MESH_RATE_PER_SECOND", DEFAULT_RATE_PER_SECOND, 1, 1_000_000),
        env.integer("MESH_RATE_BURST", DEFAULT_RATE_BURST, 1, 1_000_000),
        env.integer("MESH_ABUSE_STRIKES", DEFAULT_ABUSE_STRIKES, 1, 10_000),
        env.integer("MESH_MAX_SUBSCRIPTIONS", DEFAULT_MAX_SUBSCRIPTIONS, 1, 100_000),
        env.integer("MESH_MAX_CONNECTIONS_PER_USER", DEFAULT_MAX_CONNECTIONS_PER_USER, 1, 100_000),
        policy.equals("close-oldest"),
        env.integer(
            "MESH_MAX_CONNECTIONS_PER_NODE", DEFAULT_MAX_CONNECTIONS_PER_NODE, 1, 10_000_000),
        env.duration(
            "MESH_MAX_LIFETIME", DEFAULT_MAX_LIFETIME, Duration.ofMillis(100), Duration.ofDays(30)),
        soft,
        hard);
  }

  public LimitOptions withConnectionsPerUser(int value) {
    return new LimitOptions(
        maxFrameBytes,
        ratePerSecond,
        rateBurst,
        abuseStrikes,
        maxSubscriptions,
        value,
        closeOldest,
        maxConnectionsPerNode,
        maxLifetime,
        outboundSoftBytes,
        outboundHardBytes);
  }

  public LimitOptions withRate(int perSecond, int burst, int strikes) {
    return new LimitOptions(
        maxFrameBytes,
        perSecond,
        burst,
        strikes,
        maxSubscriptions,
        maxConnectionsPerUser,
        closeOldest,
        maxConnectionsPerNode,
        maxLifetime,
        outboundSoftBytes,
        outboundHardBytes);
  }

  public LimitOptions withOutbound(int soft, int hard) {
    return new LimitOptions(
        maxFrameBytes,
        ratePerSecond,
        rateBurst,
        abuseStrikes,
        maxSubscriptions,
        maxConnectionsPerUser,
        closeOldest,
        maxConnectionsPerNode,
        maxLifetime,
        soft,
        hard);
  }

  public LimitOptions withMaxLifetime(Duration value) {
    return new LimitOptions(
        maxFrameBytes,
        ratePerSecond,
        rateBurst,
        abuseStrikes,
        maxSubscriptions,
        maxConnectionsPerUser,
        closeOldest,
        maxConnectionsPerNode,
        value,
        outboundSoftBytes,
        outboundHardBytes);
  }
}
