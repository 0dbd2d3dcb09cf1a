package dev.mesh.common.replay.store;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.MeshStructures;

/** Names and configuration of replay-service's Hazelcast maps. */
public final class ReplayMaps {

  /**
   * {@code IMap<String channel, ChannelLog>}: each channel's history, epoch and recent message ids.
   */
  public static final String CHANNELS = "mesh.replay.channels";

  /**
   * {@code IMap<String ackKey, AckMark | AckCursors>}: each user's cumulative ack position per
   * channel, one per epoch (only the channel's current epoch's counts); an {@link AckMark} while
   * the user has one epoch's, read either way with {@link AckCursors#from}.
   */
  public static final String ACKS = "mesh.replay.acks";

  /**
   * {@code IMap<String userId, CreationCount>}: channels each user created in the current window.
   */
  public static final String CREATORS = "mesh.replay.creators";

  private ReplayMaps() {}

  public static IMap<String, ChannelLog> channels(HazelcastInstance hazelcast) {
    return hazelcast.getMap(CHANNELS);
  }

  public static IMap<String, CreationCount> creators(HazelcastInstance hazelcast) {
    return hazelcast.getMap(CREATORS);
  }

  public static IMap<String, Object> acks(HazelcastInstance hazelcast) {
    return hazelcast.getMap(ACKS);
  }

  /**
   * Key of a user's ack for a channel; neither user ids nor channel names can contain {@code /}.
   */
  public static String ackKey(String userId, String channel) {
    return userId + "/" + channel;
  }

  /**
   * Configuration of {@link #CHANNELS}: {@code OBJECT} format (entry processors change logs in
   * place) and {@code backups} synchronous backups, so an acknowledged append survives the loss of
   * that many members; split-brain protected, and merged by comparing histories ({@link
   * ChannelLogMergePolicy}).
   */
  public static MapConfig channelsConfig(int backups) {
    return MeshStructures.protect(new MapConfig(CHANNELS))
        .setMergePolicyConfig(
            new MergePolicyConfig(
                ChannelLogMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE))
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setBackupCount(backups)
        .setAsyncBackupCount(0)
        .setReadBackupData(false)
        .setStatisticsEnabled(true);
  }

  /**
   * Configuration of {@link #ACKS}: small binary values with {@code backups} synchronous backups;
   * split-brain protected, and the merging side's acks discarded (at worst a critical event is
   * delivered again).
   */
  public static MapConfig acksConfig(int backups) {
    return MeshStructures.discardOnMerge(new MapConfig(ACKS))
        .setInMemoryFormat(InMemoryFormat.BINARY)
        .setBackupCount(backups)
        .setAsyncBackupCount(0)
        .setStatisticsEnabled(true);
  }

  /**
   * Configuration of {@link #CREATORS}: split-brain protected like the logs it counts, so a
   * minority side neither reads nor writes the window, and the merging side's counts discarded (its
   * logs could not have been created without quorum, so it has nothing to count).
   */
  public static MapConfig creatorsConfig(int backups) {
    return MeshStructures.discardOnMerge(new MapConfig(CREATORS))
        .setInMemoryFormat(InMemoryFormat.BINARY)
        .setBackupCount(backups)
        .setAsyncBackupCount(0);
  }
}
