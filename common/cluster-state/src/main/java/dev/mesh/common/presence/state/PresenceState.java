package dev.mesh.common.presence.state;

import com.hazelcast.config.Config;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.ClusterStateHook;

/**
 * Presence's part of every member's configuration: its serializers. (presence-service adds its
 * maps' configuration at start: {@link PresenceMaps}.)
 */
public final class PresenceState implements ClusterStateHook {

  @Override
  public void configure(Config config, ClusterOptions options) {
    PresenceSerializers.register(config.getSerializationConfig());
  }
}
