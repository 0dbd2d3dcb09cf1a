package dev.mesh.common.registry;

import com.hazelcast.config.Config;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.ClusterStateHook;

/**
 * The registry's part of every member's configuration: its map, declared statically, and its
 * serializers.
 */
public final class RegistryState implements ClusterStateHook {

  @Override
  public void configure(Config config, ClusterOptions options) {
    config.addMapConfig(Registry.mapConfig());
    RegistrySerializers.register(config.getSerializationConfig());
  }
}
