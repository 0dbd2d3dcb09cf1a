package dev.mesh.common.presence.state;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Reads a user's state (null when absent) without changing it; used with {@code submitToKeys} for
 * batches.
 */
public final class ReadUser implements EntryProcessor<String, UserState, UserState>, ReadOnly {

  @Override
  public UserState process(Map.Entry<String, UserState> entry) {
    return entry.getValue();
  }

  @Override
  public EntryProcessor<String, UserState, UserState> getBackupProcessor() {
    return null;
  }
}
