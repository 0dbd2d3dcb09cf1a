package dev.mesh.common.cluster;

import com.hazelcast.config.Config;

/**
 * State a module keeps in Hazelcast declares itself through this hook: the static configuration of
 * its maps and the serializers of its values and entry processors. {@link MeshCluster} applies
 * every hook found with {@link java.util.ServiceLoader} (a {@code
 * META-INF/services/dev.mesh.common.cluster.ClusterStateHook} file in the module's jar) to a
 * member's configuration before the member starts, so the bootstrap names no state of its own.
 *
 * <p>Every data member may own a partition of any Mesh map and run any entry processor on it, so
 * the modules holding cluster state are on every service's classpath; a program that only uses the
 * contract (a {@code MeshBus} lite member) has none of them and needs none.
 */
public interface ClusterStateHook {

  /**
   * Adds this module's map configurations and serializers to {@code config}, a member of {@code
   * options}.
   */
  void configure(Config config, ClusterOptions options);
}
