package dev.mesh.common.presence.state;

import com.hazelcast.aggregation.Aggregator;
import dev.mesh.common.presence.PresenceStatus;
import java.util.Map;

/**
 * Counts, where the entries live, the users online and reconnecting and the connections counted.
 */
public final class UserTally implements Aggregator<Map.Entry<String, UserState>, UserTally.Counts> {

  long online;
  long reconnecting;
  long connections;

  @Override
  public void accumulate(Map.Entry<String, UserState> entry) {
    UserState state = entry.getValue();
    if (state.status() == PresenceStatus.ONLINE) {
      online++;
    } else if (state.status() == PresenceStatus.RECONNECTING) {
      reconnecting++;
    }
    connections += state.connections().size();
  }

  @Override
  public void combine(Aggregator aggregator) {
    UserTally other = (UserTally) aggregator;
    online += other.online;
    reconnecting += other.reconnecting;
    connections += other.connections;
  }

  @Override
  public Counts aggregate() {
    return new Counts(online, reconnecting, connections);
  }

  /** The totals. */
  public record Counts(long online, long reconnecting, long connections) {}
}
