package dev.mesh.common.presence.state;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import dev.mesh.common.cluster.MeshStructures;
import java.util.List;

/** Names and configuration of presence's Hazelcast maps. */
public final class PresenceMaps {

  /** {@code IMap<String userId, UserState>}. */
  public static final String USERS = "mesh.presence.users";

  /** {@code IMap<String channel, ChannelState>}. */
  public static final String CHANNELS = "mesh.presence.channels";

  /** The attribute both values index: their next deadline. */
  public static final String DEADLINE_ATTRIBUTE = "expiresAt";

  private PresenceMaps() {}

  /**
   * Both maps: one synchronous backup (a member may die without losing a pending deadline), values
   * kept as objects (entry processors then update them in place instead of deserialising a whole
   * channel on every join), and a sorted index on the deadline so that the sweep is a range query.
   * Split-brain protected; the merging side's entries are discarded (its view of who is online is
   * the stale one; reconciliation repairs the rest).
   */
  public static List<MapConfig> configs() {
    return List.of(config(USERS), config(CHANNELS));
  }

  private static MapConfig config(String name) {
    return MeshStructures.discardOnMerge(new MapConfig(name))
        .setBackupCount(1)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .addIndexConfig(new IndexConfig(IndexType.SORTED, DEADLINE_ATTRIBUTE));
  }

  public static IMap<String, UserState> users(HazelcastInstance hazelcast) {
    return hazelcast.getMap(USERS);
  }

  public static IMap<String, ChannelState> channels(HazelcastInstance hazelcast) {
    return hazelcast.getMap(CHANNELS);
  }

  /** Entries whose deadline is due at {@code now}. */
  public static <V> Predicate<String, V> dueBy(long now) {
    return Predicates.lessEqual(DEADLINE_ATTRIBUTE, now);
  }
}
