package dev.mesh.common.registry;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

/** Names of the registry structures in Hazelcast. */
public final class Registry {

  /** {@code IMap<String userId, UserConnections>}. */
  public static final String USERS_MAP = "mesh.registry.users";

  private Registry() {
  }

  public static IMap<String, UserConnections> users(HazelcastInstance hazelcast) {
    return hazelcast.getMap(USERS_MAP);
  }
}
