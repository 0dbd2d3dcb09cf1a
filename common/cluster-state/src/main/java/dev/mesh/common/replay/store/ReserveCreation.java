package dev.mesh.common.replay.store;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Counts one channel created by a user against {@code MESH_MAX_CHANNELS_PER_USER} (docs/PROTOCOL.md
 * 11.1), atomically on the owner of the user's key in {@link ReplayMaps#CREATORS}: allowed (true,
 * and counted) while the user created fewer than {@code limit} channels in the current window of
 * {@code windowMillis}; the window starts with the first creation and the entry expires with it, so
 * the map holds one small entry per user who created a channel recently, cluster-wide.
 */
public final class ReserveCreation implements EntryProcessor<String, CreationCount, Boolean> {

  final int limit;
  final long windowMillis;
  final long nowMillis;

  public ReserveCreation(int limit, long windowMillis, long nowMillis) {
    this.limit = limit;
    this.windowMillis = windowMillis;
    this.nowMillis = nowMillis;
  }

  @Override
  public Boolean process(Map.Entry<String, CreationCount> entry) {
    CreationCount current = entry.getValue();
    if (current == null || nowMillis - current.windowStartMillis() >= windowMillis) {
      current = new CreationCount(nowMillis, 0);
    }
    if (current.count() >= limit) {
      return false;
    }
    long left = Math.max(1, current.windowStartMillis() + windowMillis - nowMillis);
    ((ExtendedMapEntry<String, CreationCount>) entry)
        .setValue(
            new CreationCount(current.windowStartMillis(), current.count() + 1),
            left,
            TimeUnit.MILLISECONDS);
    return true;
  }
}
