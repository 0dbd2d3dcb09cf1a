package dev.mesh.common.launch;

import dev.mesh.common.cluster.BusTlsOptions;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.ops.OpsOptions;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * What a service tells the launcher: its name, how it joins the cluster, and how to deploy its
 * verticles.
 */
public interface MeshService {

  /** Name used in logs, metrics tags and status replies, e.g. {@code presence-service}. */
  String name();

  /** The options every service has: cluster, ops endpoints, shutdown timeout. */
  ServiceOptions serviceOptions();

  default ClusterOptions cluster() {
    return serviceOptions().cluster();
  }

  /** Event-bus TLS (off unless configured). */
  default BusTlsOptions busTls() {
    return serviceOptions().busTls();
  }

  default OpsOptions ops() {
    return serviceOptions().ops();
  }

  /** Longest a graceful stop may take before the process exits anyway. */
  default Duration shutdownTimeout() {
    return serviceOptions().shutdownTimeout();
  }

  /**
   * Deploys the service's verticles, in order, with {@link ServiceContext#deploy}. The future
   * completes when every server listens and every consumer is registered.
   */
  Future<Void> deploy(ServiceContext context);
}
