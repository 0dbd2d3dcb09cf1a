package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.ops.ClusterHealthMonitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 9: a rolling restart of every service under load, one process at a time, as README
 * "Scaling" tells operators: wait until no partition migrates, SIGTERM (graceful: an edge closes
 * its sockets with 1001 and a hint), start it again on the same ports, wait until it is ready,
 * next. Three data members with {@code MESH_CLUSTER_MIN_MEMBERS=2}. Nothing acknowledged is lost or
 * doubled, the registry ends equal to the live sockets, and presence ends correct with no user
 * offline.
 */
public final class RollingRestartScenario extends Scenario {

  public RollingRestartScenario(ChaosEnv env) {
    super(env);
  }

  @Override
  public String name() {
    return "9 rolling restart of every service";
  }

  @Override
  public ChaosResult run() throws Exception {
    try (MeshProcesses mesh = membershipProcesses().withEnv("MESH_CLUSTER_MIN_MEMBERS", "2")) {
      List<ServiceProcess> processes = new ArrayList<>();
      processes.add(mesh.start(ServiceKind.PRESENCE, "presence"));
      mesh.awaitJoined(READY_TIMEOUT, processes.get(0));
      processes.add(mesh.start(ServiceKind.REPLAY, "replay-1"));
      processes.add(mesh.start(ServiceKind.REPLAY, "replay-2"));
      processes.add(mesh.start(ServiceKind.CONNECTION, "connection-a"));
      processes.add(mesh.start(ServiceKind.CONNECTION, "connection-b"));
      mesh.awaitReady(READY_TIMEOUT, processes.toArray(ServiceProcess[]::new));
      List<Endpoint> endpoints = List.of(endpoint(processes.get(3)), endpoint(processes.get(4)));
      Judge judge = new Judge(violations);
      try (ClusterObserver observer = ClusterObserver.join(mesh, FAILURE_TIMEOUT);
          Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:rolling")) {
        int members = observer.members();
        Traffic.get(
            traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()),
            Duration.ofSeconds(60));
        Traffic.get(
            traffic.publishers(scale.publishers(), endpoints, pagePolicy()),
            Duration.ofSeconds(30));
        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long startedAt = System.nanoTime();
        // Edges first, then the data members: the order an operator upgrading connection-service
        // first would use.
        for (int index : new int[] {3, 4, 1, 2, 0}) {
          ServiceProcess old = processes.get(index);
          boolean safe = Traffic.await(Duration.ofSeconds(60), partitionsSettled(processes));
          check(safe, "partitions still migrating 60 s before restarting " + old.name());
          boolean stopped = old.terminate(Duration.ofSeconds(40)).isPresent();
          check(stopped, old.name() + " did not stop within 40 s of SIGTERM");
          if (!stopped) {
            old.kill();
          }
          ServiceProcess started = mesh.restart(old);
          processes.set(index, started);
          mesh.awaitReady(READY_TIMEOUT, started);
          boolean whole =
              Traffic.await(Duration.ofSeconds(60), () -> observer.members() == members);
          check(
              whole, "cluster not back to " + members + " members after restarting " + old.name());
        }
        long rolledAfter = System.nanoTime() - startedAt;
        sleep(scale.afterFault());
        traffic.stopPublishing();

        Traffic.Tally tally = judge.events(traffic);
        judge.registry(observer, traffic, Duration.ofSeconds(30));
        judge.busRouting(observer, Duration.ofSeconds(10));
        judge.presence(observer, traffic, PRESENCE_GRACE.plusSeconds(10));
        check(processes.stream().allMatch(ServiceProcess::isAlive), "a restarted process died");

        String detection =
            "5 services restarted one at a time in "
                + seconds(rolledAfter)
                + ", waiting for partition safety before each";
        return ChaosResult.of(
            name(),
            scale.load(),
            "SIGTERM + start again on the same ports of both connection"
                + " nodes, both replay instances and presence-service, one at a time",
            tally,
            detection,
            violations);
      }
    }
  }

  /**
   * What an operator (or the Kubernetes readiness gate) waits for before stopping the next member:
   * every data member's {@code mesh_cluster_partitions_safe} at 1, and still so a full sample
   * interval later, so that a gauge sampled just before a migration started is not taken for a
   * settled cluster. Read over HTTP as Prometheus would.
   */
  private static java.util.function.BooleanSupplier partitionsSettled(
      List<ServiceProcess> processes) {
    long[] safeSince = {0};
    return () -> {
      boolean safe =
          processes.stream()
              .filter(p -> p.kind() != ServiceKind.CONNECTION)
              .allMatch(p -> p.metric("mesh_cluster_partitions_safe").orElse(0) == 1);
      long now = System.nanoTime();
      if (!safe) {
        safeSince[0] = 0;
        return false;
      }
      if (safeSince[0] == 0) {
        safeSince[0] = now;
      }
      return now - safeSince[0] >= ClusterHealthMonitor.INTERVAL.plusMillis(500).toNanos();
    };
  }
}
