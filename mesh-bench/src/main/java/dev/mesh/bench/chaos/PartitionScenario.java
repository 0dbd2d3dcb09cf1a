package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.cluster.ClusterOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Scenario 6: a network partition between members. Side A (a replay-service and a connection node)
 * and side B (presence-service, a replay-service and a connection node) run in network namespaces
 * of their own on a bridge; pages publish and receive through both connection nodes. For {@link
 * #PARTITION} every packet between the sides is dropped. With {@code MESH_CLUSTER_MIN_MEMBERS=2} of
 * 3 data members, side A (one data member) loses quorum once failure detection has run: its
 * connection node closes its sockets with 1001 and refuses new ones, its replay instance
 * acknowledges nothing; its pages move to side B and publishers retry there. Then the partition
 * heals, side A merges into B, its nodes rejoin, and every node is ready with the full member
 * count. No acknowledged event is lost or doubled, the registry ends equal to the live sockets,
 * presence ends correct with no user offline.
 */
public final class PartitionScenario extends Scenario {

  static final Duration PARTITION = Duration.ofSeconds(30);

  /**
   * MESH_CLUSTER_FAILURE_TIMEOUT of this run. At full scale the services keep their default (10 s):
   * admitting 2,000 pages on two cores paused an edge for 3.2 s before the cut, past the fast
   * suite's 3 s, and the edge rejoined (as a real deployment with the default would not).
   */
  private final Duration detection;

  public PartitionScenario(ChaosEnv env) {
    super(env);
    this.detection =
        scale.equals(ChaosScale.SMALL)
            ? FAILURE_TIMEOUT
            : ClusterOptions.DEFAULT_FAILURE_DETECTION_TIMEOUT;
  }

  @Override
  public String name() {
    return "6 network partition between members";
  }

  /** Whether the scenario can run here; the reason when it cannot. */
  static String unavailable() {
    return NetNamespace.available() ? null : "needs root with ip and iptables (network namespaces)";
  }

  @Override
  public ChaosResult run() throws Exception {
    try (PartitionNet net = PartitionNet.create();
        MeshProcesses mesh =
            membershipProcesses()
                .withEnv("MESH_CLUSTER_MIN_MEMBERS", "2")
                .withEnv("MESH_CLUSTER_FAILURE_TIMEOUT", detection.toSeconds() + "s")
                // Hazelcast says why it does not merge ("CANNOT merge to ...") at INFO only.
                .withEnv("MESH_HAZELCAST_LOG_LEVEL", "INFO")) {
      // Exact host:port members: after the heal, each side's master probes every listed address for
      // the other
      // cluster, waiting up to 5 s for each it cannot connect to; bare hosts (ten ports each)
      // delayed merges by
      // 30-90 s.
      int base = mesh.hazelcastPortBase();
      List<String> addresses =
          List.of(
              net.sideB() + ":" + base,
              net.sideB() + ":" + (base + 1),
              net.sideB() + ":" + (base + 2),
              net.sideA() + ":" + base,
              net.sideA() + ":" + (base + 1));
      mesh.withEnv("MESH_CLUSTER_MEMBERS", String.join(",", addresses));
      ServiceProcess presence = start(mesh, net, ServiceKind.PRESENCE, "presence-b", false);
      mesh.awaitJoined(READY_TIMEOUT, presence);
      ServiceProcess replayB = start(mesh, net, ServiceKind.REPLAY, "replay-b", false);
      ServiceProcess replayA = start(mesh, net, ServiceKind.REPLAY, "replay-a", true);
      ServiceProcess edgeA = start(mesh, net, ServiceKind.CONNECTION, "connection-a", true);
      ServiceProcess edgeB = start(mesh, net, ServiceKind.CONNECTION, "connection-b", false);
      List<ServiceProcess> all = List.of(presence, replayB, replayA, edgeA, edgeB);
      mesh.awaitReady(READY_TIMEOUT, presence, replayB, replayA, edgeA, edgeB);
      List<Endpoint> endpoints = List.of(endpoint(edgeA), endpoint(edgeB));
      Judge judge = new Judge(violations);
      try (ClusterObserver observer =
              ClusterObserver.join(mesh, detection, net.observer(), addresses);
          Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:partition")) {
        int members = observer.members();
        Traffic.get(
            traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()),
            Duration.ofSeconds(60));
        Traffic.get(
            traffic.publishers(scale.publishers(), endpoints, pagePolicy()),
            Duration.ofSeconds(30));
        String edgeAId = nodeId(edgeA);
        long onA = traffic.subscribers().stream().filter(p -> edgeAId.equals(p.nodeId())).count();

        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long cutAt = System.nanoTime();
        net.cut();
        boolean aRefuses;
        boolean bServes;
        boolean movedToB;
        try {
          aRefuses =
              Traffic.await(detection.plusSeconds(15), () -> !ready(edgeA) && !ready(replayA));
          long refusedAfter = System.nanoTime() - cutAt;
          movedToB =
              Traffic.await(
                  detection.plusSeconds(30),
                  () ->
                      traffic.subscribers().stream()
                          .allMatch(p -> p.isReady() && !edgeAId.equals(p.nodeId())));
          bServes = ready(edgeB) && ready(replayB) && ready(presence);
          long remaining = PARTITION.toNanos() - (System.nanoTime() - cutAt);
          if (remaining > 0) {
            Thread.sleep(remaining / 1_000_000);
          }
          check(
              aRefuses,
              "side A still ready "
                  + seconds(refusedAfter)
                  + " after the cut (no quorum expected)");
        } finally {
          net.heal();
        }
        long healedAt = System.nanoTime();
        boolean whole =
            Traffic.await(
                Duration.ofMinutes(2),
                () ->
                    all.stream()
                        .allMatch(
                            p ->
                                p.readiness()
                                    .map(r -> r.isReady() && r.clusterMembers() == members)
                                    .orElse(false)));
        long wholeAfter = System.nanoTime() - healedAt;
        String stateAtDeadline = whole ? "" : membershipState(all);
        sleep(scale.afterFault());
        traffic.stopPublishing();

        Traffic.Tally tally = judge.events(traffic);
        judge.registry(observer, traffic, Duration.ofSeconds(30));
        judge.busRouting(observer, Duration.ofSeconds(10));
        judge.presence(observer, traffic, PRESENCE_GRACE.plusSeconds(10));
        check(onA > 0, "no page was on side A");
        check(movedToB, "pages of side A did not all resume on side B during the partition");
        check(bServes, "side B not ready during the partition");
        check(
            whole,
            "not every node ready with "
                + members
                + " members within 120 s of the heal (the observer sees "
                + observer.members()
                + "):"
                + stateAtDeadline);
        check(all.stream().allMatch(ServiceProcess::isAlive), "a process died");

        String timings =
            "side A not ready (no quorum) within "
                + detection.toSeconds()
                + " s + detection; "
                + onA
                + " pages moved to side B; cluster whole again "
                + seconds(wholeAfter)
                + " after the heal";
        return ChaosResult.of(
            name(),
            scale.load() + " on both sides",
            "iptables DROP between the sides (2+1 data members, MESH_CLUSTER_MIN_MEMBERS=2) for "
                + PARTITION.toSeconds()
                + " s, then healed",
            tally,
            timings,
            violations);
      }
    }
  }

  private static boolean ready(ServiceProcess process) {
    return process.readiness().map(ServiceProcess.Readiness::isReady).orElse(false);
  }

  private static ServiceProcess start(
      MeshProcesses mesh, PartitionNet net, ServiceKind kind, String name, boolean sideA) {
    String address = sideA ? net.sideA() : net.sideB();
    Map<String, String> env =
        new java.util.HashMap<>(
            Map.of(
                "MESH_CLUSTER_HOST", address, "MESH_BUS_HOST", address, "MESH_OPS_HOST", address));
    if (kind == ServiceKind.CONNECTION) {
      env.put("MESH_HTTP_HOST", address);
    }
    return mesh.start(kind, name, env, net.exec(sideA));
  }
}
