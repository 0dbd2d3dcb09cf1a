package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 9: a rolling restart of every service under load, one process at a time, as README "Scaling" tells
 * operators: wait until no partition migrates, SIGTERM (graceful: an edge closes its sockets with 1001 and a hint),
 * start it again on the same ports, wait until it is ready, next. Three data members with
 * {@code MESH_CLUSTER_MIN_MEMBERS=2}. Nothing acknowledged is lost or doubled, the registry ends equal to the live
 * sockets, and presence ends correct with no user offline.
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
        Traffic.get(traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()), Duration.ofSeconds(60));
        Traffic.get(traffic.publishers(scale.publishers(), endpoints, pagePolicy()), Duration.ofSeconds(30));
        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long startedAt = System.nanoTime();
        // Edges first, then the data members: the order an operator upgrading connection-service first would use.
        for (int index : new int[] {3, 4, 1, 2, 0}) {
          ServiceProcess old = processes.get(index);
          boolean safe = Traffic.await(Duration.ofSeconds(60), observer::clusterSafe);
          check(safe, "partitions still migrating 60 s before restarting " + old.name());
          boolean stopped = old.terminate(Duration.ofSeconds(40)).isPresent();
          check(stopped, old.name() + " did not stop within 40 s of SIGTERM");
          if (!stopped) {
            old.kill();
          }
          ServiceProcess started = mesh.restart(old);
          processes.set(index, started);
          mesh.awaitReady(READY_TIMEOUT, started);
          boolean whole = Traffic.await(Duration.ofSeconds(60), () -> observer.members() == members);
          check(whole, "cluster not back to " + members + " members after restarting " + old.name());
        }
        long rolledAfter = System.nanoTime() - startedAt;
        sleep(scale.afterFault());
        traffic.stopPublishing();

        Traffic.Tally tally = judge.events(traffic);
        judge.registry(observer, traffic, Duration.ofSeconds(30));
        judge.presence(observer, traffic, PRESENCE_GRACE.plusSeconds(10));
        check(processes.stream().allMatch(ServiceProcess::isAlive), "a restarted process died");

        String detection = "5 services restarted one at a time in " + seconds(rolledAfter)
            + ", waiting for partition safety before each";
        return ChaosResult.of(name(), scale.load(), "SIGTERM + start again on the same ports of both connection"
            + " nodes, both replay instances and presence-service, one at a time", tally, detection, violations);
      }
    }
  }
}
