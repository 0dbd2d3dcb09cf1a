package dev.mesh.common.cluster;

import java.util.Locale;
import java.util.Objects;

/**
 * How a node finds the other members ({@code MESH_CLUSTER_JOIN}). Either way multicast and
 * Hazelcast's auto-detection (which probes cloud metadata addresses) stay off.
 *
 * <ul>
 *   <li>{@link Method#TCP}: Hazelcast's TCP-IP join to the fixed list {@code MESH_CLUSTER_MEMBERS}.
 *   <li>{@link Method#KUBERNETES}: Hazelcast's built-in Kubernetes discovery in DNS lookup mode:
 *       the addresses behind {@code serviceDns} (a headless Service, {@code
 *       <service>.<namespace>.svc.cluster.local}) on {@code servicePort}. It needs no access to the
 *       Kubernetes API (no RBAC), only cluster DNS.
 * </ul>
 *
 * @param method the join method
 * @param serviceDns {@code MESH_CLUSTER_KUBERNETES_SERVICE_DNS}: DNS name of the headless Service
 *     (kubernetes only)
 * @param servicePort {@code MESH_CLUSTER_KUBERNETES_SERVICE_PORT}: Hazelcast port of the members
 *     behind it (kubernetes only; defaults to {@code MESH_CLUSTER_PORT})
 */
public record ClusterJoin(Method method, String serviceDns, int servicePort) {

  /** The join methods, by their configuration name. */
  public enum Method {
    TCP,
    KUBERNETES;

    /** The value written in {@code MESH_CLUSTER_JOIN}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ClusterJoin {
    Objects.requireNonNull(method, "method");
    if (method == Method.KUBERNETES && (serviceDns == null || serviceDns.isBlank())) {
      throw new IllegalArgumentException(
          "kubernetes join needs the DNS name of a headless service");
    }
    if (method == Method.KUBERNETES && (servicePort < 1 || servicePort > 65535)) {
      throw new IllegalArgumentException(
          "kubernetes join needs a service port between 1 and 65535");
    }
  }

  /** TCP-IP join to {@code MESH_CLUSTER_MEMBERS}: the default. */
  public static ClusterJoin tcp() {
    return new ClusterJoin(Method.TCP, null, 0);
  }

  /** Kubernetes DNS lookup of {@code serviceDns}, members on {@code servicePort}. */
  public static ClusterJoin kubernetes(String serviceDns, int servicePort) {
    return new ClusterJoin(Method.KUBERNETES, serviceDns, servicePort);
  }
}
