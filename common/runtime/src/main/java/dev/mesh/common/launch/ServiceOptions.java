package dev.mesh.common.launch;

import dev.mesh.common.cluster.BusTlsOptions;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.config.Env;
import dev.mesh.common.observe.TelemetryOptions;
import dev.mesh.common.ops.OpsOptions;
import java.time.Duration;

/**
 * Options every service has.
 *
 * @param cluster see {@link ClusterOptions}
 * @param ops see {@link OpsOptions}
 * @param shutdownTimeout {@code MESH_SHUTDOWN_TIMEOUT}, default 30s: longest a graceful stop may
 *     take
 * @param busTls see {@link BusTlsOptions}: event-bus TLS with client certificates, off by default
 * @param telemetry see {@link TelemetryOptions}: log format and tracing, text logs and no tracing
 *     by default
 */
public record ServiceOptions(
    ClusterOptions cluster,
    OpsOptions ops,
    Duration shutdownTimeout,
    BusTlsOptions busTls,
    TelemetryOptions telemetry) {

  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  /** Without event-bus TLS. */
  public ServiceOptions(ClusterOptions cluster, OpsOptions ops, Duration shutdownTimeout) {
    this(cluster, ops, shutdownTimeout, BusTlsOptions.off());
  }

  /** With the default telemetry (text logs, no tracing). */
  public ServiceOptions(
      ClusterOptions cluster, OpsOptions ops, Duration shutdownTimeout, BusTlsOptions busTls) {
    this(cluster, ops, shutdownTimeout, busTls, TelemetryOptions.defaults());
  }

  public static ServiceOptions fromEnv(Env env, int defaultOpsPort) {
    return fromEnv(env, defaultOpsPort, ClusterOptions.DEFAULT_LITE_MEMBER);
  }

  /**
   * As {@link #fromEnv(Env, int)}, with the service's own default for {@code
   * MESH_CLUSTER_LITE_MEMBER}.
   */
  public static ServiceOptions fromEnv(Env env, int defaultOpsPort, boolean defaultLiteMember) {
    return new ServiceOptions(
        ClusterOptions.fromEnv(env, defaultLiteMember),
        OpsOptions.fromEnv(env, defaultOpsPort),
        env.duration(
            "MESH_SHUTDOWN_TIMEOUT",
            DEFAULT_SHUTDOWN_TIMEOUT,
            Duration.ofSeconds(1),
            Duration.ofMinutes(10)),
        BusTlsOptions.fromEnv(env),
        TelemetryOptions.fromEnv(env));
  }

  /** For tests: the given cluster, any free ops port on loopback, a short shutdown timeout. */
  public static ServiceOptions forTest(ClusterOptions cluster) {
    return new ServiceOptions(
        cluster,
        new OpsOptions(OpsOptions.DEFAULT_HOST, 0),
        Duration.ofSeconds(10),
        BusTlsOptions.off());
  }

  public ServiceOptions withCluster(ClusterOptions value) {
    return new ServiceOptions(value, ops, shutdownTimeout, busTls, telemetry);
  }

  public ServiceOptions withBusTls(BusTlsOptions value) {
    return new ServiceOptions(cluster, ops, shutdownTimeout, value, telemetry);
  }

  public ServiceOptions withTelemetry(TelemetryOptions value) {
    return new ServiceOptions(cluster, ops, shutdownTimeout, busTls, value);
  }
}
