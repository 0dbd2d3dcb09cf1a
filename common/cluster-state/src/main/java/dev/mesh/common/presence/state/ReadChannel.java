package dev.mesh.common.presence.state;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * A snapshot of a channel's members, computed where the entry lives so only {@code limit} members
 * travel.
 */
public final class ReadChannel
    implements EntryProcessor<String, ChannelState, ChannelView>, ReadOnly {

  final int limit;

  public ReadChannel(int limit) {
    this.limit = limit;
  }

  @Override
  public ChannelView process(Map.Entry<String, ChannelState> entry) {
    return (entry.getValue() == null ? ChannelState.absent() : entry.getValue()).view(limit);
  }

  @Override
  public EntryProcessor<String, ChannelState, ChannelView> getBackupProcessor() {
    return null;
  }
}
