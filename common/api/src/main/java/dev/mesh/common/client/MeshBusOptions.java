package dev.mesh.common.client;

import dev.mesh.common.cluster.BusTlsOptions;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.config.Env;
import java.time.Duration;

/**
 * How a {@link MeshBus} joins and how patient its requests are.
 *
 * @param cluster the Mesh cluster to join (name, members, this host's addresses); {@link MeshBus}
 *     always joins as a lite member, whatever {@code cluster.liteMember()} says
 * @param busTls the event bus's TLS, as the Mesh services use it ({@code MESH_BUS_TLS_*}), or off
 * @param attemptTimeout how long one attempt of a request waits for its reply (the protocol's 5 s)
 * @param deadline how long a request is retried in all, from its first attempt, before its last
 *     failure is returned
 * @param firstBackoff the pause before the first retry; each further pause doubles
 */
public record MeshBusOptions(
    ClusterOptions cluster,
    BusTlsOptions busTls,
    Duration attemptTimeout,
    Duration deadline,
    Duration firstBackoff) {

  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(15);
  public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofMillis(100);

  public MeshBusOptions {
    java.util.Objects.requireNonNull(cluster, "cluster");
    java.util.Objects.requireNonNull(busTls, "busTls");
    if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
      throw new IllegalArgumentException("attemptTimeout must be positive, was " + attemptTimeout);
    }
    if (deadline.compareTo(attemptTimeout) < 0) {
      throw new IllegalArgumentException(
          "deadline (" + deadline + ") must be at least attemptTimeout (" + attemptTimeout + ")");
    }
    if (firstBackoff.isNegative()) {
      throw new IllegalArgumentException("firstBackoff must not be negative, was " + firstBackoff);
    }
  }

  /** Joins {@code cluster} without TLS, with the default deadlines. */
  public static MeshBusOptions of(ClusterOptions cluster) {
    return new MeshBusOptions(
        cluster,
        BusTlsOptions.off(),
        DEFAULT_ATTEMPT_TIMEOUT,
        DEFAULT_DEADLINE,
        DEFAULT_FIRST_BACKOFF);
  }

  /**
   * The Mesh services' own variables ({@code MESH_CLUSTER_*}, {@code MESH_BUS_*}, {@code
   * MESH_BUS_TLS_*}), read as the services read them, and the default deadlines.
   *
   * @throws dev.mesh.common.config.ConfigException listing every invalid variable
   */
  public static MeshBusOptions fromEnv(Env env) {
    ClusterOptions cluster = ClusterOptions.fromEnv(env, true);
    BusTlsOptions tls = BusTlsOptions.fromEnv(env);
    env.validate();
    return new MeshBusOptions(
        cluster, tls, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_FIRST_BACKOFF);
  }

  public MeshBusOptions withDeadlines(Duration attemptTimeout, Duration deadline) {
    return new MeshBusOptions(cluster, busTls, attemptTimeout, deadline, firstBackoff);
  }

  public MeshBusOptions withBusTls(BusTlsOptions busTls) {
    return new MeshBusOptions(cluster, busTls, attemptTimeout, deadline, firstBackoff);
  }
}
