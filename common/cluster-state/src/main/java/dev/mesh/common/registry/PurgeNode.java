package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.List;
import java.util.Map;

/**
 * Removes every connection held by one node from a user's entry and returns them (empty list if
 * none). Run with {@code executeOnEntries} by survivors when a node leaves the cluster, so no entry
 * outlives its node.
 */
public final class PurgeNode
    implements EntryProcessor<String, UserConnections, List<RegistryEntry>> {

  final String nodeId;

  public PurgeNode(String nodeId) {
    this.nodeId = nodeId;
  }

  @Override
  public List<RegistryEntry> process(Map.Entry<String, UserConnections> mapEntry) {
    UserConnections current = mapEntry.getValue();
    if (current == null) {
      return List.of();
    }
    List<RegistryEntry> purged =
        current.connections().stream().filter(c -> c.nodeId().equals(nodeId)).toList();
    if (!purged.isEmpty()) {
      UserConnections next = current.without(c -> c.nodeId().equals(nodeId));
      mapEntry.setValue(next.isEmpty() ? null : next);
    }
    return purged;
  }
}
