package dev.mesh.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;

/**
 * Split-brain protection and merge policies of Mesh's own Hazelcast structures (Vert.x's {@code
 * __vertx.*} get none).
 *
 * <p>The protection {@value #SPLIT_BRAIN_PROTECTION} is declared in every member's static
 * configuration (Hazelcast cannot add one at runtime) when {@code MESH_CLUSTER_MIN_MEMBERS} is 2 or
 * more: a side of a split with fewer data members then refuses reads and writes with a {@code
 * SplitBrainProtectionException} instead of accepting what the merge would discard. Hazelcast
 * counts data members only (it passes the data members of the view to the protection function), so
 * lite members, which hold nothing, never make a side quorate. Every Mesh map names the protection;
 * when it is not declared (the default of 1) the name protects nothing.
 *
 * <p>Merges: a side that merges into a larger one has its entries discarded ({@link
 * DiscardMergePolicy}), except the replay channel logs, which compare histories (see {@code
 * ChannelLogMergePolicy}). The side that merges never legitimately wrote (without quorum it could
 * not), and its edges restart, so their clients register again.
 */
public final class MeshStructures {

  /** The split-brain protection every Mesh structure names. */
  public static final String SPLIT_BRAIN_PROTECTION = "mesh-quorum";

  /** Map of single-use tickets (connection-service's TicketStore). */
  public static final String TICKETS_MAP = "mesh.auth.tickets";

  /**
   * Map of settings every connection node must share, recorded by the first (connection-service's
   * UserLimitCheck).
   */
  public static final String SHARED_SETTINGS_MAP = "mesh.config";

  private MeshStructures() {}

  /**
   * Adds the protection (when enabled) and the static configuration of the tickets and settings
   * maps. (The registry map declares itself through its {@link ClusterStateHook}.)
   */
  static void declare(Config config, ClusterOptions options) {
    if (options.minDataMembers() >= 2) {
      config.addSplitBrainProtectionConfig(
          new SplitBrainProtectionConfig(SPLIT_BRAIN_PROTECTION, true, options.minDataMembers())
              .setProtectOn(SplitBrainProtectionOn.READ_WRITE));
    }
    config.addMapConfig(discardOnMerge(new MapConfig(TICKETS_MAP)));
    // The larger side's record stands; the merging side's edges restart and compare their settings
    // with it again.
    config.addMapConfig(discardOnMerge(new MapConfig(SHARED_SETTINGS_MAP)));
  }

  /**
   * {@code map} protected by {@link #SPLIT_BRAIN_PROTECTION}, and merged by discarding the merging
   * side's entries.
   */
  public static MapConfig discardOnMerge(MapConfig map) {
    return protect(map)
        .setMergePolicyConfig(
            new MergePolicyConfig(
                DiscardMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE));
  }

  /** {@code map} protected by {@link #SPLIT_BRAIN_PROTECTION}. */
  public static MapConfig protect(MapConfig map) {
    return map.setSplitBrainProtectionName(SPLIT_BRAIN_PROTECTION);
  }
}
