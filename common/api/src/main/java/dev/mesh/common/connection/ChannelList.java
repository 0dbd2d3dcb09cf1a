package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;
import java.util.List;

/**
 * Reply to {@link ChannelsQuery}: channels with live subscribers, sorted by name, each with its
 * subscriber connections (summed over the nodes that answered). {@code nodes} is how many
 * connection nodes answered.
 */
public record ChannelList(List<Channel> channels, int nodes) implements MeshMessage {

  /** One channel and its subscriber connections. */
  public record Channel(String channel, int subscribers) {}
}
