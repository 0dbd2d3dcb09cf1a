package dev.mesh.presence;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.presence.state.Timing;
import java.time.Duration;

/**
 * Configuration of presence-service (README "Configuration" lists every variable and default).
 *
 * @param service cluster, ops port (default {@value #DEFAULT_OPS_PORT}) and shutdown timeout
 * @param debounce {@code MESH_PRESENCE_DEBOUNCE}: after an intentional last close, before offline
 * @param grace {@code MESH_PRESENCE_GRACE}: after an unintentional last close, before offline
 * @param nodeLossAllowance {@code MESH_PRESENCE_NODE_LOSS_ALLOWANCE}: added to the grace of users
 *     whose connections were on a node that left the cluster. Such a node may be alive but cut off:
 *     it closes its sockets only after its own detection plus {@code MESH_QUORUM_LOSS_GRACE}, and
 *     its clients then wait up to {@code MESH_SHUTDOWN_SPREAD} before reconnecting; the default is
 *     the sum of those two defaults
 * @param sweepInterval {@code MESH_PRESENCE_SWEEP_INTERVAL}: how often each instance fires due
 *     deadlines that no local timer fired (those of an instance that died); the worst-case lateness
 *     of an expiry
 * @param maxMembers {@code MESH_PRESENCE_MAX_MEMBERS}: members per channel
 * @param reconcileInterval {@code MESH_PRESENCE_RECONCILE_INTERVAL}: how often presence is compared
 *     with the registry
 * @param retention {@code MESH_PRESENCE_RETENTION}: how long closed connections, offline users and
 *     empty channels are remembered (late or duplicated events within it are ignored)
 * @param httpHost {@code MESH_PRESENCE_HTTP_HOST} (default {@code MESH_OPS_HOST}): read-only HTTP
 *     API
 * @param httpPort {@code MESH_PRESENCE_HTTP_PORT} (default {@value #DEFAULT_HTTP_PORT}, 0 = any
 *     free port)
 */
public record PresenceOptions(
    ServiceOptions service,
    Duration debounce,
    Duration grace,
    Duration nodeLossAllowance,
    Duration sweepInterval,
    int maxMembers,
    Duration reconcileInterval,
    Duration retention,
    String httpHost,
    int httpPort) {

  public static final int DEFAULT_OPS_PORT = 9081;
  public static final int DEFAULT_HTTP_PORT = 9091;
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofSeconds(3);
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(45);

  /** connection-service's default MESH_QUORUM_LOSS_GRACE (3 s) + MESH_SHUTDOWN_SPREAD (5 s). */
  public static final Duration DEFAULT_NODE_LOSS_ALLOWANCE = Duration.ofSeconds(8);

  public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_MEMBERS = 1000;
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(5);

  public PresenceOptions {
    if (debounce.toMillis() < 1
        || grace.toMillis() < 1
        || sweepInterval.toMillis() < 1
        || reconcileInterval.toMillis() < 1
        || retention.toMillis() < 1
        || maxMembers < 1) {
      throw new IllegalArgumentException(
          "presence durations must be at least 1 ms and maxMembers at least 1");
    }
    if (nodeLossAllowance.isNegative()) {
      throw new IllegalArgumentException("the node-loss allowance must not be negative");
    }
  }

  /** Reads the environment; call {@link Env#validate()} afterwards to fail on any invalid value. */
  public static PresenceOptions fromEnv(Env env) {
    ServiceOptions service = ServiceOptions.fromEnv(env, DEFAULT_OPS_PORT);
    return new PresenceOptions(
        service,
        env.duration(
            "MESH_PRESENCE_DEBOUNCE",
            DEFAULT_DEBOUNCE,
            Duration.ofMillis(1),
            Duration.ofMinutes(10)),
        env.duration(
            "MESH_PRESENCE_GRACE", DEFAULT_GRACE, Duration.ofMillis(1), Duration.ofHours(1)),
        env.duration(
            "MESH_PRESENCE_NODE_LOSS_ALLOWANCE",
            DEFAULT_NODE_LOSS_ALLOWANCE,
            Duration.ZERO,
            Duration.ofMinutes(10)),
        env.duration(
            "MESH_PRESENCE_SWEEP_INTERVAL",
            DEFAULT_SWEEP_INTERVAL,
            Duration.ofMillis(10),
            Duration.ofMinutes(1)),
        env.integer("MESH_PRESENCE_MAX_MEMBERS", DEFAULT_MAX_MEMBERS, 1, 100_000),
        env.duration(
            "MESH_PRESENCE_RECONCILE_INTERVAL",
            DEFAULT_RECONCILE_INTERVAL,
            Duration.ofMillis(100),
            Duration.ofHours(1)),
        env.duration(
            "MESH_PRESENCE_RETENTION",
            DEFAULT_RETENTION,
            Duration.ofSeconds(1),
            Duration.ofHours(24)),
        env.string("MESH_PRESENCE_HTTP_HOST", service.ops().host()),
        env.port("MESH_PRESENCE_HTTP_PORT", DEFAULT_HTTP_PORT));
  }

  /** For tests: the given cluster, any free ports, and windows short enough for a test. */
  public static PresenceOptions forTest(ClusterOptions cluster) {
    return new PresenceOptions(
        ServiceOptions.forTest(cluster),
        Duration.ofMillis(500),
        Duration.ofSeconds(2),
        Duration.ZERO,
        Duration.ofMillis(100),
        DEFAULT_MAX_MEMBERS,
        Duration.ofHours(1),
        Duration.ofMinutes(1),
        "127.0.0.1",
        0);
  }

  /** What the entry processors need. */
  public Timing timing() {
    return new Timing(
        debounce.toMillis(), grace.toMillis(), retention.toMillis(), nodeLossAllowance.toMillis());
  }

  public PresenceOptions withWindows(Duration debounceValue, Duration graceValue) {
    return new PresenceOptions(
        service,
        debounceValue,
        graceValue,
        nodeLossAllowance,
        sweepInterval,
        maxMembers,
        reconcileInterval,
        retention,
        httpHost,
        httpPort);
  }

  public PresenceOptions withSweepInterval(Duration value) {
    return new PresenceOptions(
        service,
        debounce,
        grace,
        nodeLossAllowance,
        value,
        maxMembers,
        reconcileInterval,
        retention,
        httpHost,
        httpPort);
  }

  public PresenceOptions withMaxMembers(int value) {
    return new PresenceOptions(
        service,
        debounce,
        grace,
        nodeLossAllowance,
        sweepInterval,
        value,
        reconcileInterval,
        retention,
        httpHost,
        httpPort);
  }

  /**
   * The same options on another HTTP port (a node that rejoins the cluster keeps the port it
   * bound).
   */
  public PresenceOptions withHttpPort(int value) {
    return new PresenceOptions(
        service,
        debounce,
        grace,
        nodeLossAllowance,
        sweepInterval,
        maxMembers,
        reconcileInterval,
        retention,
        httpHost,
        value);
  }

  public PresenceOptions withReconcileInterval(Duration value) {
    return new PresenceOptions(
        service,
        debounce,
        grace,
        nodeLossAllowance,
        sweepInterval,
        maxMembers,
        value,
        retention,
        httpHost,
        httpPort);
  }

  public PresenceOptions withNodeLossAllowance(Duration value) {
    return new PresenceOptions(
        service,
        debounce,
        grace,
        value,
        sweepInterval,
        maxMembers,
        reconcileInterval,
        retention,
        httpHost,
        httpPort);
  }
}
