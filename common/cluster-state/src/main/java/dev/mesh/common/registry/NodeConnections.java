package dev.mesh.common.registry;

import com.hazelcast.aggregation.Aggregator;
import com.hazelcast.projection.Projection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the registry holds for one node, computed on the data members over the entries the node-id
 * index selects ({@link Registry#onNode(String)}): a count (the ghost gauge) or the entries
 * themselves (the registry repair).
 */
public final class NodeConnections {

  private NodeConnections() {}

  /** Counts the connections of {@code nodeId} over the entries it is given. */
  public static Aggregator<Map.Entry<String, UserConnections>, Long> count(String nodeId) {
    return new Count(nodeId);
  }

  /** The connections of {@code nodeId} in each entry it is given. */
  public static Projection<Map.Entry<String, UserConnections>, List<RegistryEntry>> entries(
      String nodeId) {
    return new Entries(nodeId);
  }

  static final class Count implements Aggregator<Map.Entry<String, UserConnections>, Long> {
    final String nodeId;
    long count;

    Count(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public void accumulate(Map.Entry<String, UserConnections> entry) {
      for (RegistryEntry connection : entry.getValue().connections()) {
        if (connection.nodeId().equals(nodeId)) {
          count++;
        }
      }
    }

    @Override
    public void combine(Aggregator aggregator) {
      count += ((Count) aggregator).count;
    }

    @Override
    public Long aggregate() {
      return count;
    }
  }

  static final class Entries
      implements Projection<Map.Entry<String, UserConnections>, List<RegistryEntry>> {
    final String nodeId;

    Entries(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public List<RegistryEntry> transform(Map.Entry<String, UserConnections> entry) {
      // An ArrayList travels with Hazelcast's own list serializer (and the registry's entry
      // serializer).
      return new ArrayList<>(
          entry.getValue().connections().stream().filter(c -> c.nodeId().equals(nodeId)).toList());
    }
  }
}
