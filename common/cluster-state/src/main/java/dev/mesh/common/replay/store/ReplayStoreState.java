package dev.mesh.common.replay.store;

import com.hazelcast.config.Config;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.ClusterStateHook;

/**
 * The replay store's part of every member's configuration: its serializers. (replay-service adds
 * its maps' configuration at start, with the backup count it is configured with: {@link
 * ReplayMaps}.)
 */
public final class ReplayStoreState implements ClusterStateHook {

  @Override
  public void configure(Config config, ClusterOptions options) {
    ReplaySerializers.register(config.getSerializationConfig());
  }
}
