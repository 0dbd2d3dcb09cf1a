package dev.mesh.bench.chaos;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.registry.RegistryEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Scenario 3: {@code kill -STOP} of a connection node (hung, not dead). The cluster removes it within the configured
 * failure detection; its pages notice by their own pings and resume on the other node. Some pages on it never
 * ping and never reconnect (stale sockets). After {@code kill -CONT} the node finds itself outside the cluster, merges
 * back, and must close those stale sockets instead of serving them: no registry entry of it survives, and no
 * acknowledged event is lost or doubled for the pages that moved.
 */
public final class HungNodeScenario extends Scenario {

  private static final int STALE_PAGES = 3;
  /** Failure detection for this scenario (MESH_CLUSTER_FAILURE_TIMEOUT). */
  private static final Duration DETECTION = Duration.ofSeconds(5);

  public HungNodeScenario(ChaosEnv env) {
    super(env);
  }

  @Override
  public String name() {
    return "3 kill -STOP connection node";
  }

  @Override
  public ChaosResult run() throws Exception {
    // A long server heartbeat, so that only the merge (not a heartbeat timeout) can close the stale sockets.
    try (MeshProcesses mesh = processes().withEnv("MESH_HEARTBEAT_INTERVAL", "60s")
        .withEnv("MESH_CLUSTER_FAILURE_TIMEOUT", DETECTION.toSeconds() + "s")) {
      // The node that stays up starts first, so it is the oldest member and the cluster's master. A hung master
      // is another case: with two survivors on a starved 2-core machine, Hazelcast's mastership claim once split
      // them (each suspected the other 5 s later) and the run saw resets and stale connections come back.
      ServiceProcess other = mesh.start(ServiceKind.CONNECTION, "connection-b");
      mesh.awaitReady(READY_TIMEOUT, other);
      ServiceProcess hung = mesh.start(ServiceKind.CONNECTION, "connection-a");
      ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
      mesh.awaitReady(READY_TIMEOUT, hung, replay);
      String hungId = nodeId(hung);
      List<Endpoint> endpoints = List.of(endpoint(hung), endpoint(other));
      try (ClusterObserver observer = ClusterObserver.join(mesh, DETECTION);
           Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:hung")) {
        Traffic.get(traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()), Duration.ofSeconds(60));
        Traffic.get(traffic.publishers(scale.publishers(), List.of(endpoint(other)), pagePolicy()),
            Duration.ofSeconds(30));
        ClientPolicy passive = ClientPolicy.fast().withPing(Duration.ZERO, Duration.ZERO).withoutReconnect();
        List<PageClient> stale = new ArrayList<>();
        for (int i = 0; i < STALE_PAGES; i++) {
          stale.add(traffic.page("stale", i, List.of(endpoint(hung)), 0, passive).subscribe(traffic.channel()));
        }
        Traffic.get(io.vertx.core.Future.all(stale.stream().map(PageClient::start).toList()), Duration.ofSeconds(30));
        List<PageClient> moving = traffic.subscribers().stream().filter(p -> hungId.equals(p.nodeId())).toList();

        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long stoppedAt = System.nanoTime();
        hung.signal("STOP");
        try {
          boolean removed = Traffic.await(Duration.ofSeconds(30), () -> observer.leftAt(hungId) != null);
          long detectedAfter = removed ? observer.leftAt(hungId) - stoppedAt : -1;
          boolean resumed = Traffic.await(Duration.ofSeconds(60), () -> moving.stream()
              .allMatch(p -> p.isReady() && !hungId.equals(p.nodeId())));
          long resumedAfter = moving.stream().mapToLong(PageClient::readyAtNanos).max().orElse(stoppedAt) - stoppedAt;
          boolean purged = Traffic.await(Duration.ofSeconds(30), () -> observer.registry().stream()
              .noneMatch(e -> hungId.equals(e.nodeId())));
          sleep(scale.afterFault());

          long continuedAt = System.nanoTime();
          hung.signal("CONT");
          boolean staleClosed = Traffic.await(Duration.ofSeconds(90), () -> stale.stream()
              .allMatch(p -> !p.closeCodes().isEmpty()));
          long staleClosedAfter = System.nanoTime() - continuedAt;
          boolean emptied = Traffic.await(Duration.ofSeconds(10), () -> activeConnections(hung) == 0);
          traffic.stopPublishing();

          boolean acknowledged = Traffic.await(Duration.ofSeconds(30), () -> traffic.unacknowledged() == 0);
          boolean caughtUp = Traffic.await(Duration.ofSeconds(30), traffic::caughtUp);
          Traffic.Tally tally = traffic.tally();
          Set<String> live = Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream())
              .map(PageClient::connectionId).collect(Collectors.toSet());
          List<RegistryEntry> registry = observer.registry();
          Set<String> registered = registry.stream().map(RegistryEntry::connectionId).collect(Collectors.toSet());
          Set<String> staleIds = stale.stream().map(PageClient::connectionId).collect(Collectors.toSet());

          check(!moving.isEmpty(), "no page was on the hung node");
          check(removed && detectedAfter <= DETECTION.plusSeconds(3).toNanos(), "hung node removed after "
              + seconds(detectedAfter) + " (failure detection " + DETECTION.toSeconds() + " s)");
          check(resumed, "pages of the hung node did not all resume elsewhere within 60 s");
          check(purged, "registry entries of the hung node still present after 30 s");
          check(staleClosed, "stale sockets still open " + seconds(staleClosedAfter) + " after kill -CONT");
          check(emptied, "the resumed node still counts " + activeConnections(hung) + " connections");
          check(registered.stream().noneMatch(staleIds::contains), "a stale connection came back into the registry");
          check(registered.equals(live), "registry " + registered.size() + " entries vs " + live.size()
              + " live connections");
          check(acknowledged, traffic.unacknowledged() + " publishes never acknowledged");
          check(caughtUp && tally.lost() == 0, tally.lost() + " acknowledged events lost over "
              + tally.pagesWithLoss() + " pages (seqs " + traffic.missing(10) + ")" + traffic.lossReport());
          check(tally.duplicates() == 0, tally.duplicates() + " duplicates");
          check(tally.jumps() == 0, tally.jumps() + " out-of-order deliveries");
          check(hung.isAlive() && other.isAlive(), "a node died");

          String detection = "member removed " + seconds(detectedAfter) + " (limit " + DETECTION.toSeconds()
              + " s + heartbeat), " + moving.size() + " pages resumed " + seconds(resumedAfter) + ", "
              + STALE_PAGES + " stale sockets closed " + seconds(staleClosedAfter) + " after CONT, stale codes "
              + stale.stream().flatMap(p -> p.closeCodes().stream()).distinct().toList();
          return new ChaosResult(name(), scale.load() + " + " + STALE_PAGES + " stale pages",
              "SIGSTOP 1 of 2 connection nodes for " + scale.afterFault().toSeconds() + " s after detection, then SIGCONT",
              tally.sent(), tally.received(), tally.lost(), tally.duplicates(), detection, violations);
        } finally {
          hung.signal("CONT");
        }
      }
    }
  }

  private static long activeConnections(ServiceProcess process) {
    return process.getOps("/metrics")
        .map(r -> (long) Prometheus.sum(r.body(), "mesh_connections_active").orElse(-1))
        .orElse(-1L);
  }
}
