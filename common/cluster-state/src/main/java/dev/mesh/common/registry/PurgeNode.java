package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.ArrayList;
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
    // The result crosses the wire back to the caller: an ArrayList travels with Hazelcast's own
    // list serializer and the registry's entry serializer; an immutable list would need Java
    // serialization, which cluster state does not use.
    if (current == null) {
      return new ArrayList<>();
    }
    List<RegistryEntry> purged =
        new ArrayList<>(
            current.connections().stream().filter(c -> c.nodeId().equals(nodeId)).toList());
    if (!purged.isEmpty()) {
      UserConnections next = current.without(c -> c.nodeId().equals(nodeId));
      mapEntry.setValue(next.isEmpty() ? null : next);
    }
    return purged;
  }
}
