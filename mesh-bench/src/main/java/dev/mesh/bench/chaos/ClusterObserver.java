package dev.mesh.bench.chaos;

import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A lite member in the test's own JVM (it holds no data and changes no quorum) that reads the
 * shared registry, notes when each member left as seen by the cluster, and records every user
 * presence change: the referee of the ghost, detection and presence invariants.
 */
final class ClusterObserver implements AutoCloseable {

  private final MeshNode node;
  private final Map<String, Long> leftAtNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> joinedAtNanos = new ConcurrentHashMap<>();
  private final Map<String, List<PresenceChanged>> presence = new ConcurrentHashMap<>();

  private ClusterObserver(MeshNode node) {
    this.node = node;
    node.onMembershipChange(this::onChange);
    Traffic.get(
        node.vertx()
            .eventBus()
            .<PresenceChanged>consumer(
                Addresses.PRESENCE_EVENTS,
                message -> {
                  PresenceChanged change = message.body();
                  if (change.channel() == null) {
                    presence
                        .computeIfAbsent(change.userId(), u -> new CopyOnWriteArrayList<>())
                        .add(change);
                  }
                })
            .completion(),
        Duration.ofSeconds(30));
  }

  static ClusterObserver join(MeshProcesses mesh, Duration failureTimeout) {
    int base = mesh.hazelcastPortBase();
    return join(
        mesh,
        failureTimeout,
        "127.0.0.1",
        List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2)));
  }

  /**
   * Joins from {@code host} (an address of one side, in the partition scenario) through {@code
   * members}.
   */
  static ClusterObserver join(
      MeshProcesses mesh, Duration failureTimeout, String host, List<String> members) {
    ClusterOptions options =
        ClusterOptions.defaults()
            .withClusterName(mesh.clusterName())
            .withPort(mesh.hazelcastPortBase())
            .withMembers(members)
            .withFailureDetection(Duration.ofSeconds(1), failureTimeout)
            // A referee holds no data: a lite member, so its presence changes no partition and no
            // quorum.
            .withLiteMember(true)
            .withHost(host);
    return new ClusterObserver(
        Traffic.get(MeshCluster.start(options, null), Duration.ofMinutes(2)));
  }

  /**
   * Joins with the given options (e.g. from another host's address, by the README's cross-host
   * settings).
   */
  static ClusterObserver join(ClusterOptions options) {
    return new ClusterObserver(
        Traffic.get(MeshCluster.start(options, null), Duration.ofSeconds(60)));
  }

  /** The Hazelcast member addresses (host:port) of the cluster as this observer sees it. */
  List<String> memberAddresses() {
    return node.hazelcast().getCluster().getMembers().stream()
        .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort())
        .toList();
  }

  private void onChange(MembershipChange change) {
    (change.kind() == MembershipChange.Kind.LEFT ? leftAtNanos : joinedAtNanos)
        .put(change.nodeId(), System.nanoTime());
  }

  /** When the cluster removed {@code nodeId} (System.nanoTime), or null while it is a member. */
  Long leftAt(String nodeId) {
    return leftAtNanos.get(nodeId);
  }

  int members() {
    return node.memberCount();
  }

  int dataMembers() {
    return node.dataMemberCount();
  }

  List<RegistryEntry> registry() {
    return Registry.users(node.hazelcast()).values().stream()
        .flatMap(u -> u.connections().stream())
        .toList();
  }

  /** Every user-level presence change seen for {@code userId}, in arrival order. */
  List<PresenceChange> presenceChanges(String userId) {
    List<PresenceChange> changes = new ArrayList<>();
    presence.getOrDefault(userId, List.of()).forEach(c -> changes.add(c.change()));
    return changes;
  }

  /** The presence-service's answer for these users (empty when it does not answer). */
  /**
   * The presence of {@code userIds}, asked {@link PresenceQuery#MAX_USERS} at a time (the most one
   * query may name); fewer entries than asked when a query failed.
   */
  List<UserPresence> presenceOf(List<String> userIds) {
    PresenceClient client = new PresenceClient(node.vertx());
    List<UserPresence> found = new ArrayList<>(userIds.size());
    for (int from = 0; from < userIds.size(); from += PresenceQuery.MAX_USERS) {
      List<String> batch =
          userIds.subList(from, Math.min(userIds.size(), from + PresenceQuery.MAX_USERS));
      try {
        found.addAll(Traffic.get(client.statuses(batch), Duration.ofSeconds(10)).users());
      } catch (RuntimeException e) {
        return found;
      }
    }
    return found;
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
