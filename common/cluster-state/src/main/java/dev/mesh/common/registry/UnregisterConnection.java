package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Atomically removes one connection from its user's entry; removes the entry when it was the last.
 */
public final class UnregisterConnection
    implements EntryProcessor<String, UserConnections, Boolean> {

  private final String connectionId;

  public UnregisterConnection(String connectionId) {
    this.connectionId = connectionId;
  }

  String connectionId() {
    return connectionId;
  }

  @Override
  public Boolean process(Map.Entry<String, UserConnections> mapEntry) {
    UserConnections current = mapEntry.getValue();
    if (current == null) {
      return false;
    }
    UserConnections next = current.without(c -> c.connectionId().equals(connectionId));
    if (next.connections().size() == current.connections().size()) {
      return false;
    }
    mapEntry.setValue(next.isEmpty() ? null : next);
    return true;
  }
}
