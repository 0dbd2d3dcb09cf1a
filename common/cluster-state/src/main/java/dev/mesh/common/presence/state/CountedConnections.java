package dev.mesh.common.presence.state;

import com.hazelcast.projection.Projection;
import com.hazelcast.query.Predicate;
import java.util.List;
import java.util.Map;

/**
 * For reconciliation: the connections each user is counted with (id, node, channels), projected
 * where the entries live so that only users with connections, and only those fields, travel.
 */
public record CountedConnections(String userId, List<TrackedConnection> connections) {

  public CountedConnections {
    connections = List.copyOf(connections);
  }

  /** Projects a user entry. */
  public static Projection<Map.Entry<String, UserState>, CountedConnections> projection() {
    return new ToCounted();
  }

  /** Users with at least one connection. */
  public static Predicate<String, UserState> withConnections() {
    return new WithConnections();
  }

  static final class ToCounted
      implements Projection<Map.Entry<String, UserState>, CountedConnections> {
    @Override
    public CountedConnections transform(Map.Entry<String, UserState> entry) {
      return new CountedConnections(entry.getKey(), entry.getValue().connections());
    }
  }

  static final class WithConnections implements Predicate<String, UserState> {
    @Override
    public boolean apply(Map.Entry<String, UserState> entry) {
      return entry.getValue() != null && !entry.getValue().connections().isEmpty();
    }
  }
}
