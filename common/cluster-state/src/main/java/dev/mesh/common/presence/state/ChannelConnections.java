package dev.mesh.common.presence.state;

import com.hazelcast.projection.Projection;
import com.hazelcast.query.Predicate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * For reconciliation: the connections of each member of a channel, projected where the entry lives.
 */
public record ChannelConnections(String channel, Map<String, Set<String>> connectionsByUser) {

  public ChannelConnections {
    connectionsByUser = Map.copyOf(connectionsByUser);
  }

  public static Projection<Map.Entry<String, ChannelState>, ChannelConnections> projection() {
    return new ToConnections();
  }

  /** Channels with at least one member. */
  public static Predicate<String, ChannelState> withMembers() {
    return new WithMembers();
  }

  static final class ToConnections
      implements Projection<Map.Entry<String, ChannelState>, ChannelConnections> {
    @Override
    public ChannelConnections transform(Map.Entry<String, ChannelState> entry) {
      Map<String, Set<String>> byUser = new HashMap<>();
      entry
          .getValue()
          .members()
          .forEach(
              (userId, member) -> {
                if (!member.connections().isEmpty()) {
                  byUser.put(userId, member.connections());
                }
              });
      return new ChannelConnections(entry.getKey(), byUser);
    }
  }

  static final class WithMembers implements Predicate<String, ChannelState> {
    @Override
    public boolean apply(Map.Entry<String, ChannelState> entry) {
      return entry.getValue() != null && !entry.getValue().members().isEmpty();
    }
  }
}
