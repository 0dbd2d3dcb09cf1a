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
import io.vertx.spi.cluster.hazelcast.impl.HazelcastRegistrationInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /**
   * What this referee saw happen to the cluster, in order ({@code nanoTime kind subject}): printed
   * with a violation about timing, so that a failure says whether the cluster or the referee was
   * late.
   */
  private final List<String> timeline = new CopyOnWriteArrayList<>();

  private ClusterObserver(MeshNode node) {
    this.node = node;
    node.onMembershipChange(this::onChange);
    node.hazelcast()
        .getLifecycleService()
        .addLifecycleListener(
            event -> timeline.add(System.nanoTime() + " referee " + event.getState()));
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
    timeline.add(System.nanoTime() + " " + change.kind() + " " + change.nodeId());
    (change.kind() == MembershipChange.Kind.LEFT ? leftAtNanos : joinedAtNanos)
        .put(change.nodeId(), System.nanoTime());
  }

  /**
   * The referee's timeline since {@code sinceNanos}: each membership change and each lifecycle
   * change of the referee itself (a merge of the referee means its event bus can no longer be
   * trusted), in seconds after {@code sinceNanos}.
   */
  List<String> timelineSince(long sinceNanos) {
    return timeline.stream()
        .map(line -> line.split(" ", 2))
        .filter(parts -> Long.parseLong(parts[0]) - sinceNanos >= 0)
        .map(
            parts ->
                String.format(
                    java.util.Locale.ROOT,
                    "+%.2f s %s",
                    (Long.parseLong(parts[0]) - sinceNanos) / 1e9,
                    parts[1]))
        .toList();
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

  /**
   * Event-bus subscriptions the cluster still holds for a Vert.x node that is not a member, on an
   * address other nodes serve too, as {@code address@nodeId}: a sender that picks one waits for a
   * reply that never comes.
   */
  List<String> ghostSubscriptions() {
    Set<String> members =
        node.hazelcast().getCluster().getMembers().stream()
            .map(MeshNode::nodeIdOf)
            .collect(java.util.stream.Collectors.toSet());
    List<String> ghosts = new ArrayList<>();
    node.hazelcast()
        .<String, HazelcastRegistrationInfo>getMultiMap(VERTX_SUBSCRIPTIONS)
        .entrySet()
        .forEach(
            entry -> {
              String nodeId = entry.getValue().unwrap().nodeId();
              // A departed node's own addresses (its inbox, named after it) are routed to by nobody
              // once the registry forgets it: left there after a split they are a leak, not a
              // wrong route, and not counted here (docs/bench/chaos-membership.md).
              if (!members.contains(nodeId) && !entry.getKey().contains(nodeId)) {
                ghosts.add(entry.getKey() + "@" + nodeId);
              }
            });
    return ghosts;
  }

  /**
   * Members whose Vert.x node has no entry in vertx-hazelcast's node map: nobody can reach its
   * event bus, so replies to its requests are lost.
   */
  List<String> unreachableMembers() {
    Set<String> known = node.hazelcast().<String, Object>getMap(VERTX_NODES).keySet();
    return node.hazelcast().getCluster().getMembers().stream()
        .map(MeshNode::nodeIdOf)
        .filter(nodeId -> !known.contains(nodeId))
        .toList();
  }

  /** vertx-hazelcast's multimap of event-bus subscriptions. */
  private static final String VERTX_SUBSCRIPTIONS = "__vertx.subs";

  /** vertx-hazelcast's map of each node's event-bus host and port. */
  private static final String VERTX_NODES = "__vertx.nodeInfo";

  /**
   * How long the referee's bus waits for presence to answer; the caller waits only a second longer,
   * so that a failure reported is the bus's own (no handlers, a timeout, an error reply).
   */
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Why presence went unanswered, as far as the referee can tell: its last query's failure, who
   * holds a subscription to presence's query address (a member, or a node that left), and the state
   * of the shared routing tables.
   */
  String whyPresenceUnanswered() {
    try {
      Set<String> members =
          node.hazelcast().getCluster().getMembers().stream()
              .map(MeshNode::nodeIdOf)
              .collect(java.util.stream.Collectors.toSet());
      List<String> subscribers =
          node
              .hazelcast()
              .<String, HazelcastRegistrationInfo>getMultiMap(VERTX_SUBSCRIPTIONS)
              .get(Addresses.PRESENCE_QUERY)
              .stream()
              .map(r -> r.unwrap().nodeId())
              .map(id -> id + (members.contains(id) ? " (member)" : " (departed)"))
              .toList();
      return "last failure: "
          + lastPresenceFailure
          + "; subscribers of "
          + Addresses.PRESENCE_QUERY
          + ": "
          + subscribers
          + "; departed nodes' subscriptions: "
          + ghostSubscriptions()
          + "; members without a node entry: "
          + unreachableMembers();
    } catch (RuntimeException e) {
      return "last failure: " + lastPresenceFailure + "; routing tables unreadable: " + e;
    }
  }

  private volatile String lastPresenceFailure;

  /**
   * The presence of {@code userIds}, asked {@link PresenceQuery#MAX_USERS} at a time (the most one
   * query may name); fewer entries than asked when a query failed.
   */
  List<UserPresence> presenceOf(List<String> userIds) {
    PresenceClient client = new PresenceClient(node.vertx(), QUERY_TIMEOUT);
    List<UserPresence> found = new ArrayList<>(userIds.size());
    for (int from = 0; from < userIds.size(); from += PresenceQuery.MAX_USERS) {
      List<String> batch =
          userIds.subList(from, Math.min(userIds.size(), from + PresenceQuery.MAX_USERS));
      try {
        found.addAll(Traffic.get(client.statuses(batch), QUERY_TIMEOUT.plusSeconds(1)).users());
      } catch (RuntimeException e) {
        lastPresenceFailure = String.valueOf(e.getMessage());
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
