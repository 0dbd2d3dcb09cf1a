package dev.mesh.replay;

import dev.mesh.common.config.Env;
import dev.mesh.common.config.Hosts;
import dev.mesh.common.launch.ServiceOptions;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of replay-service (README "Configuration" lists every variable and default).
 *
 * @param service cluster, ops port (default {@value #DEFAULT_OPS_PORT}) and shutdown timeout
 * @param httpHost {@code MESH_REPLAY_HTTP_HOST}: interface of the HTTP publish/read API
 * @param httpPort {@code MESH_REPLAY_HTTP_PORT}: its port, 0 for any free port
 * @param httpToken {@code MESH_PUBLISH_TOKEN}: when set, the HTTP API requires {@code
 *     Authorization: Bearer <it>}; required (at least {@value #MIN_TOKEN_CHARS} characters) when
 *     {@code httpHost} is not loopback
 * @param channels {@code MESH_REPLAY_HISTORY_SIZE}, {@code MESH_REPLAY_HISTORY_TTL}, {@code
 *     MESH_REPLAY_CHANNELS}, {@code MESH_REPLAY_DEDUPE_WINDOW}, {@code MESH_REPLAY_DEDUPE_MAX_IDS},
 *     {@code MESH_REPLAY_CHANNEL_IDLE}
 * @param maxEventBytes {@code MESH_MAX_EVENT_BYTES}: largest event payload, as JSON bytes
 * @param maxPageSize {@code MESH_REPLAY_MAX_PAGE}: most events in one history reply
 * @param backups {@code MESH_REPLAY_BACKUPS}: synchronous Hazelcast backups of every history and
 *     ack
 * @param maxChannelsPerUser {@code MESH_MAX_CHANNELS_PER_USER}: channels one user's publishes may
 *     create within {@code MESH_REPLAY_CHANNEL_IDLE}, cluster-wide (0: users create none)
 */
public record ReplayOptions(
    ServiceOptions service,
    String httpHost,
    int httpPort,
    String httpToken,
    ChannelRules channels,
    int maxEventBytes,
    int maxPageSize,
    int backups,
    int maxChannelsPerUser) {

  public static final int DEFAULT_OPS_PORT = 9082;
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 8082;
  public static final int DEFAULT_CAPACITY = 1000;
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofMinutes(5);
  public static final int DEFAULT_DEDUPE_MAX_IDS = 5000;
  public static final Duration DEFAULT_CHANNEL_IDLE = Duration.ofHours(1);
  public static final int DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_PAGE_SIZE = 500;
  public static final int DEFAULT_BACKUPS = 1;
  public static final int DEFAULT_MAX_CHANNELS_PER_USER = 100;

  /** Shortest accepted {@code MESH_PUBLISH_TOKEN}. */
  public static final int MIN_TOKEN_CHARS = 16;

  static final int MAX_CAPACITY = 100_000;
  static final Duration MAX_TTL = Duration.ofDays(7);

  /** Reads the environment; call {@link Env#validate()} afterwards to fail on any invalid value. */
  public static ReplayOptions fromEnv(Env env) {
    ServiceOptions service = ServiceOptions.fromEnv(env, DEFAULT_OPS_PORT);
    ChannelRules channels =
        new ChannelRules(
            env.integer("MESH_REPLAY_HISTORY_SIZE", DEFAULT_CAPACITY, 1, MAX_CAPACITY),
            env.duration("MESH_REPLAY_HISTORY_TTL", DEFAULT_TTL, Duration.ofSeconds(1), MAX_TTL),
            ChannelRules.parse(env, "MESH_REPLAY_CHANNELS", env.string("MESH_REPLAY_CHANNELS", "")),
            env.duration(
                "MESH_REPLAY_DEDUPE_WINDOW",
                DEFAULT_DEDUPE_WINDOW,
                Duration.ZERO,
                Duration.ofDays(1)),
            env.integer("MESH_REPLAY_DEDUPE_MAX_IDS", DEFAULT_DEDUPE_MAX_IDS, 0, 1_000_000),
            env.duration(
                "MESH_REPLAY_CHANNEL_IDLE",
                DEFAULT_CHANNEL_IDLE,
                Duration.ofSeconds(1),
                Duration.ofDays(30)));
    String httpHost = env.string("MESH_REPLAY_HTTP_HOST", DEFAULT_HTTP_HOST);
    String token = env.string("MESH_PUBLISH_TOKEN", null);
    if (token != null && token.length() < MIN_TOKEN_CHARS) {
      env.reject("MESH_PUBLISH_TOKEN: must be at least " + MIN_TOKEN_CHARS + " characters");
    }
    if (token == null && !Hosts.isLoopback(httpHost)) {
      // Writes to any channel, as any publisher, without a credential: only ever on this machine.
      env.reject(
          "MESH_REPLAY_HTTP_HOST="
              + httpHost
              + " is not loopback: set MESH_PUBLISH_TOKEN (the HTTP publish API"
              + " would accept anyone's writes), or bind it to 127.0.0.1");
    }
    return new ReplayOptions(
        service,
        httpHost,
        env.port("MESH_REPLAY_HTTP_PORT", DEFAULT_HTTP_PORT),
        token,
        channels,
        env.integer("MESH_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES, 16, 16 * 1024 * 1024),
        env.integer("MESH_REPLAY_MAX_PAGE", DEFAULT_MAX_PAGE_SIZE, 1, 10_000),
        env.integer("MESH_REPLAY_BACKUPS", DEFAULT_BACKUPS, 0, 6),
        env.integer("MESH_MAX_CHANNELS_PER_USER", DEFAULT_MAX_CHANNELS_PER_USER, 0, 1_000_000));
  }

  /**
   * For tests: defaults, the given service options, HTTP on any free port, and the given channel
   * rules.
   */
  public static ReplayOptions forTest(ServiceOptions service, List<ChannelRules.Rule> rules) {
    return new ReplayOptions(
        service,
        DEFAULT_HTTP_HOST,
        0,
        null,
        new ChannelRules(
            DEFAULT_CAPACITY,
            DEFAULT_TTL,
            rules,
            DEFAULT_DEDUPE_WINDOW,
            DEFAULT_DEDUPE_MAX_IDS,
            DEFAULT_CHANNEL_IDLE),
        DEFAULT_MAX_EVENT_BYTES,
        DEFAULT_MAX_PAGE_SIZE,
        DEFAULT_BACKUPS,
        DEFAULT_MAX_CHANNELS_PER_USER);
  }

  public ReplayOptions withRules(List<ChannelRules.Rule> rules) {
    ChannelRules c = channels;
    return new ReplayOptions(
        service,
        httpHost,
        httpPort,
        httpToken,
        new ChannelRules(
            c.defaultCapacity(),
            c.defaultTtl(),
            rules,
            c.dedupeWindow(),
            c.dedupeMaxIds(),
            c.idle()),
        maxEventBytes,
        maxPageSize,
        backups,
        maxChannelsPerUser);
  }

  public ReplayOptions withLimits(int maxEventBytes, int maxPageSize) {
    return new ReplayOptions(
        service,
        httpHost,
        httpPort,
        httpToken,
        channels,
        maxEventBytes,
        maxPageSize,
        backups,
        maxChannelsPerUser);
  }

  public ReplayOptions withBackups(int value) {
    return new ReplayOptions(
        service,
        httpHost,
        httpPort,
        httpToken,
        channels,
        maxEventBytes,
        maxPageSize,
        value,
        maxChannelsPerUser);
  }

  public ReplayOptions withService(ServiceOptions value) {
    return new ReplayOptions(
        value,
        httpHost,
        httpPort,
        httpToken,
        channels,
        maxEventBytes,
        maxPageSize,
        backups,
        maxChannelsPerUser);
  }

  public ReplayOptions withHttpToken(String token) {
    return new ReplayOptions(
        service,
        httpHost,
        httpPort,
        token,
        channels,
        maxEventBytes,
        maxPageSize,
        backups,
        maxChannelsPerUser);
  }

  public ReplayOptions withMaxChannelsPerUser(int value) {
    return new ReplayOptions(
        service,
        httpHost,
        httpPort,
        httpToken,
        channels,
        maxEventBytes,
        maxPageSize,
        backups,
        value);
  }
}
