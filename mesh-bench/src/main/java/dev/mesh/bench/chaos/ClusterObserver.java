package dev.mesh.bench.chaos;

import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hazelcast member in the test's own JVM that reads the shared registry and notes when each member left, as seen
 * by the cluster: the referee of the ghost and detection invariants.
 */
final class ClusterObserver implements AutoCloseable {

  private final MeshNode node;
  private final Map<String, Long> leftAtNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> joinedAtNanos = new ConcurrentHashMap<>();

  private ClusterObserver(MeshNode node) {
    this.node = node;
    node.onMembershipChange(this::onChange);
  }

  static ClusterObserver join(MeshProcesses mesh, Duration failureTimeout) {
    int base = mesh.hazelcastPortBase();
    ClusterOptions options = ClusterOptions.defaults()
        .withClusterName(mesh.clusterName())
        .withPort(base)
        .withMembers(List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2)))
        .withFailureDetection(Duration.ofSeconds(1), failureTimeout)
        // A referee holds no data: a lite member, so its presence changes no partition and no quorum.
        .withLiteMember(true);
    return new ClusterObserver(Traffic.get(MeshCluster.start(options, null), Duration.ofSeconds(60)));
  }

  private void onChange(MembershipChange change) {
    (change.kind() == MembershipChange.Kind.LEFT ? leftAtNanos : joinedAtNanos).put(change.nodeId(), System.nanoTime());
  }

  /** When the cluster removed {@code nodeId} (System.nanoTime), or null while it is a member. */
  Long leftAt(String nodeId) {
    return leftAtNanos.get(nodeId);
  }

  int members() {
    return node.memberCount();
  }

  List<RegistryEntry> registry() {
    return Registry.users(node.hazelcast()).values().stream().flatMap(u -> u.connections().stream()).toList();
  }

  @Override
  public void close() {
    try {
      Traffic.get(node.close(), Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      // the processes around it are being killed
    }
  }
}
