package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 7: {@code kill -STOP} of the master, the oldest member: presence-service, a data member,
 * started first. Three data members with {@code MESH_CLUSTER_MIN_MEMBERS=2}: the two replay-service
 * instances stay quorate, elect a new master, take over the hung member's partitions, and keep
 * acknowledging publishes; pages stay where they are. After {@code kill -CONT} the old master finds
 * it was paused past failure detection and removed: it is never ready while it doubts, rejoins, and
 * the cluster ends whole. Nothing acknowledged is lost or doubled, the registry ends equal to the
 * live sockets, and presence ends correct.
 */
public final class HungMasterScenario extends Scenario {

  /**
   * The default failure timeout: when the master hangs, every survivor suspects it and the next
   * oldest claims mastership; with 5 s on a machine loaded by other work, survivors also suspected
   * each other during the claim and the cluster split in two (each side without quorum: safe, but
   * not available). docs/bench/failure-detection.md.
   */
  private static final Duration DETECTION = Duration.ofSeconds(10);

  public HungMasterScenario(ChaosEnv env) {
    super(env);
  }

  @Override
  public String name() {
    return "7 kill -STOP of the master";
  }

  @Override
  public ChaosResult run() throws Exception {
    try (MeshProcesses mesh =
        membershipProcesses()
            .withEnv("MESH_CLUSTER_FAILURE_TIMEOUT", DETECTION.toSeconds() + "s")
            .withEnv("MESH_CLUSTER_MIN_MEMBERS", "2")
            // Hazelcast's mastership claims and member lists are INFO lines: a violation quotes
            // them.
            .withEnv("MESH_HAZELCAST_LOG_LEVEL", "INFO")) {
      ServiceProcess master = mesh.start(ServiceKind.PRESENCE, "presence");
      mesh.awaitJoined(READY_TIMEOUT, master);
      // The data members join next, so that the oldest survivor, which claims mastership, holds
      // data.
      ServiceProcess replay1 = mesh.start(ServiceKind.REPLAY, "replay-1");
      mesh.awaitJoined(READY_TIMEOUT, replay1);
      ServiceProcess replay2 = mesh.start(ServiceKind.REPLAY, "replay-2");
      mesh.awaitJoined(READY_TIMEOUT, replay2);
      ServiceProcess edgeA = mesh.start(ServiceKind.CONNECTION, "connection-a");
      ServiceProcess edgeB = mesh.start(ServiceKind.CONNECTION, "connection-b");
      List<ServiceProcess> all = List.of(master, replay1, replay2, edgeA, edgeB);
      mesh.awaitReady(READY_TIMEOUT, master, replay1, replay2, edgeA, edgeB);
      String masterId = nodeId(master);
      List<Endpoint> endpoints = List.of(endpoint(edgeA), endpoint(edgeB));
      Judge judge = new Judge(violations);
      try (ClusterObserver observer = ClusterObserver.join(mesh, DETECTION);
          Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:master")) {
        int members = observer.members();
        Traffic.get(
            traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()),
            Duration.ofSeconds(60));
        Traffic.get(
            traffic.publishers(scale.publishers(), endpoints, pagePolicy()),
            Duration.ofSeconds(30));
        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        // Closes from here on are the fault's doing; a page that reconnected while the pages were
        // being set up on a
        // loaded machine (its own short ping timeout) is not.
        java.util.IdentityHashMap<Object, Integer> closesBefore = new java.util.IdentityHashMap<>();
        traffic.subscribers().forEach(p -> closesBefore.put(p, p.closeCodes().size()));
        long stoppedAt = System.nanoTime();
        master.signal("STOP");
        HungNodeScenario.ReadinessWatch watch;
        long continuedAt;
        try {
          boolean removed =
              Traffic.await(Duration.ofSeconds(30), () -> observer.leftAt(masterId) != null);
          long detectedAfter = removed ? observer.leftAt(masterId) - stoppedAt : -1;
          if (!removed || detectedAfter > DETECTION.plusSeconds(5).toNanos()) {
            violations.add(
                (removed
                        ? "hung master removed after " + seconds(detectedAfter)
                        : "hung master not removed within 30 s")
                    + " (failure detection "
                    + DETECTION.toSeconds()
                    + " s); the referee saw "
                    + observer.timelineSince(stoppedAt)
                    + " and now counts "
                    + observer.members()
                    + " members; the survivors:"
                    + membershipState(List.of(replay1, replay2, edgeA, edgeB)));
          }
          long ackedBefore = traffic.acked();
          boolean stillAcknowledging =
              Traffic.await(Duration.ofSeconds(20), () -> traffic.acked() > ackedBefore + 10);
          check(
              stillAcknowledging,
              "publishes not acknowledged by the survivors while the master hung");
          sleep(scale.afterFault());
          watch = HungNodeScenario.ReadinessWatch.start(master, members);
          continuedAt = System.nanoTime();
        } finally {
          master.signal("CONT");
        }
        boolean whole =
            Traffic.await(
                Duration.ofMinutes(2),
                () ->
                    watch.readyWithAll()
                        && all.stream()
                            .allMatch(
                                p ->
                                    p.readiness()
                                        .map(r -> r.isReady() && r.clusterMembers() == members)
                                        .orElse(false)));
        long wholeAfter = System.nanoTime() - continuedAt;
        watch.stop();
        sleep(scale.afterFault());
        traffic.stopPublishing();

        Traffic.Tally tally = judge.events(traffic);
        judge.registry(observer, traffic, Duration.ofSeconds(30));
        judge.busRouting(observer, Duration.ofSeconds(10));
        judge.presence(observer, traffic, PRESENCE_GRACE.plusSeconds(10));
        check(
            watch.readyAlone().isEmpty(),
            "the resumed master answered /ready 200 without the full cluster: "
                + watch.readyAlone());
        check(
            whole,
            "cluster not whole (every node ready with "
                + members
                + " members) within 120 s of CONT");
        check(all.stream().allMatch(ServiceProcess::isAlive), "a process died");
        List<String> disconnected =
            traffic.subscribers().stream()
                .filter(p -> p.closeCodes().size() > closesBefore.get(p))
                .map(
                    p ->
                        p.userId()
                            + " "
                            + p.closeCodes().subList(closesBefore.get(p), p.closeCodes().size()))
                .toList();
        if (!disconnected.isEmpty()) {
          violations.add(
              "a page was disconnected although its connection node never hung: "
                  + disconnected
                  + membershipState(List.of(edgeA, edgeB)));
        }

        String detection =
            "master removed within "
                + DETECTION.toSeconds()
                + " s + heartbeat, survivors kept"
                + " acknowledging; after CONT the old master rejoined and the cluster was whole "
                + seconds(wholeAfter)
                + " later";
        return ChaosResult.of(
            name(),
            scale.load(),
            "SIGSTOP of the oldest member (presence-service, 1 of 3 data"
                + " members) for "
                + scale.afterFault().toSeconds()
                + " s after detection, then SIGCONT",
            tally,
            detection,
            violations);
      }
    }
  }
}
