package dev.mesh.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.config.Env;
import dev.mesh.common.registry.RegistryEntry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The services on separate hosts for real: each in a network namespace of its own with one address
 * on a shared bridge, joined only by README's cross-host settings (MESH_CLUSTER_HOST,
 * MESH_CLUSTER_MEMBERS, MESH_BUS_HOST, MESH_BUS_PUBLIC_HOST), every host on the same default
 * Hazelcast port. The pages and a cluster observer run in this JVM, on the bridge's address: a host
 * of their own too. Connect, publish, resume and the loss of a whole host (unplugged: no FIN, no
 * RST) are run across them, judged like the chaos suite: nothing acknowledged lost, nothing
 * delivered twice, no registry entry of the lost host left.
 */
@DisplayName(
    "Several hosts: the services in separate network namespaces, joined by the README's cross-host settings")
class SeveralHostsTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  private HostNetwork network;
  private MeshProcesses mesh;
  private ClusterObserver observer;
  private Traffic traffic;
  private Vertx vertx;

  @BeforeEach
  void hosts() throws Exception {
    assumeTrue(
        HostNetwork.available(),
        "needs root and iproute2's `ip` to make network namespaces (CI runs as root; "
            + "`apt-get install -y iproute2`): skipped");
    network = HostNetwork.create(4);
    mesh =
        new MeshProcesses(
            REPO, Path.of("target", "e2e-logs", "several-hosts-" + System.nanoTime()));
    vertx = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (traffic != null) {
      traffic.close();
    }
    if (observer != null) {
      observer.close();
    }
    if (mesh != null) {
      mesh.close();
    }
    if (network != null) {
      network.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * README's cross-host settings for a service on {@code host}: bind and announce the host's own
   * address, list every host as a member (no port: each is tried on the ten ports from the default
   * 5701). {@code busOnAllInterfaces} binds the event bus to 0.0.0.0 and announces the address
   * through MESH_BUS_PUBLIC_HOST alone.
   */
  private static final String PUBLISH_TOKEN = java.util.UUID.randomUUID().toString();

  private Map<String, String> crossHost(HostNetwork.Host host, boolean busOnAllInterfaces) {
    Map<String, String> env = new HashMap<>();
    env.put("MESH_CLUSTER_HOST", host.address());
    env.put(
        "MESH_CLUSTER_MEMBERS",
        network.hosts().stream().map(HostNetwork.Host::address).collect(Collectors.joining(",")));
    env.put("MESH_CLUSTER_PORT", Integer.toString(ClusterOptions.DEFAULT_PORT));
    env.put("MESH_BUS_HOST", busOnAllInterfaces ? "0.0.0.0" : host.address());
    env.put("MESH_BUS_PUBLIC_HOST", host.address());
    env.put("MESH_OPS_HOST", host.address());
    env.put("MESH_HTTP_HOST", host.address());
    env.put("MESH_REPLAY_HTTP_HOST", host.address());
    // Off loopback, replay-service's HTTP API refuses to start without a bearer token
    // (docs/SECURITY.md).
    env.put("MESH_PUBLISH_TOKEN", PUBLISH_TOKEN);
    return env;
  }

  private ServiceProcess start(
      ServiceKind kind, String name, HostNetwork.Host host, boolean busOnAllInterfaces) {
    return mesh.start(
        kind, name, crossHost(host, busOnAllInterfaces), host.launcher(), host.address());
  }

  @Test
  @DisplayName(
      "pages connect to two edges on two hosts, publish and resume through replay on a third, and survive the loss of one edge's host")
  void connectPublishResumeAndHostLoss() throws Exception {
    List<HostNetwork.Host> hosts = network.hosts();
    HostNetwork.Host edgeHostA = hosts.get(0);
    HostNetwork.Host edgeHostB = hosts.get(1);
    ServiceProcess presence = start(ServiceKind.PRESENCE, "presence", hosts.get(2), false);
    ServiceProcess replay = start(ServiceKind.REPLAY, "replay", hosts.get(3), false);
    ServiceProcess edgeA = start(ServiceKind.CONNECTION, "connection-a", edgeHostA, false);
    ServiceProcess edgeB = start(ServiceKind.CONNECTION, "connection-b", edgeHostB, true);
    mesh.awaitReady(READY_TIMEOUT, presence, replay, edgeA, edgeB);
    for (ServiceProcess process : List.of(presence, replay, edgeA, edgeB)) {
      MeshProcesses.await(
          Duration.ofSeconds(60),
          () -> process.readiness().map(ServiceProcess.Readiness::clusterMembers).orElse(0) == 4,
          process + " sees 4 members");
    }

    // This JVM joins from its own address, with the same settings a fifth host would use.
    observer = ClusterObserver.join(observerOptions());
    assertThat(
            observer.memberAddresses().stream()
                .filter(a -> !a.startsWith(network.localAddress() + ":")))
        .as("each member announced its own host's address and the default port")
        .containsExactlyInAnyOrder(
            hosts.stream()
                .map(h -> h.address() + ":" + ClusterOptions.DEFAULT_PORT)
                .toArray(String[]::new));
    String edgeAId = Scenario.nodeId(edgeA);
    String edgeBId = Scenario.nodeId(edgeB);

    // Connect: subscribers and publishers spread over both edges; every delivery to a page on the
    // other edge crosses
    // hosts three times (edge -> replay -> both edges).
    List<Endpoint> endpoints =
        List.of(
            new Endpoint(edgeHostA.address(), edgeA.httpPort()),
            new Endpoint(edgeHostB.address(), edgeB.httpPort()));
    traffic = new Traffic(vertx, MeshProcesses.JWT_SECRET, "hosts:chat");
    Traffic.get(traffic.subscribers(8, endpoints, ClientPolicy.fast()), Duration.ofSeconds(60));
    Traffic.get(traffic.publishers(2, endpoints, ClientPolicy.fast()), Duration.ofSeconds(30));
    assertThat(
            Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream())
                .map(PageClient::nodeId))
        .as("pages on both edges")
        .contains(edgeAId, edgeBId);

    // Publish.
    traffic.startPublishing(10, 50);
    MeshProcesses.await(
        Duration.ofSeconds(30),
        () -> traffic.acked() >= 20,
        "20 publishes acknowledged across hosts");

    // Resume: two pages go away while events are published, then come back and resume from their
    // last position.
    List<PageClient> away = List.of(traffic.subscribers().get(0), traffic.subscribers().get(1));
    away.forEach(PageClient::goAway);
    long ackedBefore = traffic.acked();
    MeshProcesses.await(
        Duration.ofSeconds(30),
        () -> traffic.acked() >= ackedBefore + 10,
        "10 more publishes acknowledged while two pages were away");
    for (PageClient page : away) {
      Traffic.get(page.comeBack(), Duration.ofSeconds(30));
    }

    // Host loss: edge A's host drops off the network. Its pages must notice by their heartbeat and
    // resume on edge B;
    // the cluster must remove it by failure detection and purge its registry entries.
    List<PageClient> onA =
        Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream())
            .filter(p -> edgeAId.equals(p.nodeId()))
            .toList();
    assertThat(onA).as("pages on the host about to be lost").isNotEmpty();
    long unpluggedAt = System.nanoTime();
    network.unplug(edgeHostA);
    MeshProcesses.await(
        Duration.ofSeconds(60),
        () -> onA.stream().allMatch(p -> p.isReady() && edgeBId.equals(p.nodeId())),
        "pages of the lost host resumed on the other edge");
    MeshProcesses.await(
        Duration.ofSeconds(30),
        () -> observer.leftAt(edgeAId) != null,
        "the cluster removed the lost host's member");
    MeshProcesses.await(
        Duration.ofSeconds(30),
        () -> observer.registry().stream().noneMatch(e -> edgeAId.equals(e.nodeId())),
        "registry entries of the lost host purged");
    long removedAfterMillis = TimeUnit.NANOSECONDS.toMillis(observer.leftAt(edgeAId) - unpluggedAt);
    long ackedAtLoss = traffic.acked();
    MeshProcesses.await(
        Duration.ofSeconds(30),
        () -> traffic.acked() >= ackedAtLoss + 10,
        "publishing goes on after the loss");
    traffic.stopPublishing();

    assertThat(Traffic.await(Duration.ofSeconds(30), () -> traffic.unacknowledged() == 0))
        .as(traffic.unacknowledged() + " publishes never acknowledged")
        .isTrue();
    assertThat(Traffic.await(Duration.ofSeconds(30), traffic::caughtUp))
        .as("every subscriber has every acknowledged event" + traffic.lossReport())
        .isTrue();
    Traffic.Tally tally = traffic.tally();
    assertThat(tally.lost()).as("acknowledged events lost").isZero();
    assertThat(tally.duplicates()).as("events delivered twice to a page").isZero();
    assertThat(tally.jumps()).as("events out of order").isZero();
    assertThat(tally.resets()).as("history resets").isZero();
    Set<String> live =
        Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream())
            .map(PageClient::connectionId)
            .collect(Collectors.toSet());
    assertThat(
            observer.registry().stream()
                .map(RegistryEntry::connectionId)
                .collect(Collectors.toSet()))
        .as("registry holds exactly the live connections")
        .isEqualTo(live);
    assertThat(edgeB.readiness().orElseThrow().isReady()).isTrue();
    System.out.printf(
        "several hosts: %d events acknowledged, %d deliveries, %d pages moved off the lost host; member "
            + "removed %d ms after the unplug%n",
        tally.acked(), tally.received(), onA.size(), removedAfterMillis);
  }

  private ClusterOptions observerOptions() {
    Map<String, String> env = new HashMap<>();
    env.put("MESH_CLUSTER_NAME", mesh.clusterName());
    env.put("MESH_CLUSTER_HOST", network.localAddress());
    env.put(
        "MESH_CLUSTER_MEMBERS",
        network.hosts().stream().map(HostNetwork.Host::address).collect(Collectors.joining(",")));
    env.put("MESH_CLUSTER_HEARTBEAT", "1s");
    env.put("MESH_CLUSTER_FAILURE_TIMEOUT", "3s");
    Env parsed = Env.of(env);
    ClusterOptions options = ClusterOptions.fromEnv(parsed);
    parsed.validate();
    return options;
  }
}
