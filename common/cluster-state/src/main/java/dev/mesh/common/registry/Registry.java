package dev.mesh.common.registry;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import dev.mesh.common.cluster.MeshStructures;

/** Names of the registry structures in Hazelcast. */
public final class Registry {

  /** {@code IMap<String userId, UserConnections>}. */
  public static final String USERS_MAP = "mesh.registry.users";

  /**
   * The node ids of a user's connections, as Hazelcast reads them from a {@link UserConnections}
   * value (by reflection on the record accessors; {@code [any]} makes each connection's id an index
   * key of the entry).
   */
  public static final String NODE_ID_ATTRIBUTE = "connections[any].identity.nodeId";

  private Registry() {}

  /**
   * The registry map's configuration, declared statically by every member: one backup, split-brain
   * protected, discarded on the merging side of a split (its edges restart and their clients
   * register again), and a hash index on the node id of each connection, so that what a node holds
   * is found without reading every user. Values are kept as objects: the index reads them without
   * deserialising, and entry processors replace them in place.
   */
  public static MapConfig mapConfig() {
    return MeshStructures.discardOnMerge(new MapConfig(USERS_MAP))
        .setBackupCount(1)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .addIndexConfig(new IndexConfig(IndexType.HASH, NODE_ID_ATTRIBUTE));
  }

  /** Users with at least one connection on {@code nodeId} (answered from the index). */
  public static Predicate<String, UserConnections> onNode(String nodeId) {
    return Predicates.equal(NODE_ID_ATTRIBUTE, nodeId);
  }

  public static IMap<String, UserConnections> users(HazelcastInstance hazelcast) {
    return hazelcast.getMap(USERS_MAP);
  }
}
