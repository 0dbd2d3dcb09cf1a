package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.registry.RegistryEntry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Scenario 1: {@code kill -9} of a connection node while pages publish and receive on two nodes.
 * Its pages resume on the survivor from their last {@code (epoch, seq)}: no acknowledged event is
 * lost, none is delivered twice to a page, and the registry ends with exactly the live connections
 * (none of the dead node's).
 */
public final class NodeKillScenario extends Scenario {

  public NodeKillScenario(ChaosEnv env) {
    super(env);
  }

  @Override
  public String name() {
    return "1 kill -9 connection node";
  }

  @Override
  public ChaosResult run() throws Exception {
    try (MeshProcesses mesh = processes()) {
      ServiceProcess doomed = mesh.start(ServiceKind.CONNECTION, "connection-a");
      ServiceProcess survivor = mesh.start(ServiceKind.CONNECTION, "connection-b");
      ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
      mesh.awaitReady(READY_TIMEOUT, doomed, survivor, replay);
      String doomedId = nodeId(doomed);
      List<Endpoint> endpoints = List.of(endpoint(doomed), endpoint(survivor));
      try (ClusterObserver observer = ClusterObserver.join(mesh, FAILURE_TIMEOUT);
          Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:kill")) {
        Traffic.get(
            traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()),
            Duration.ofSeconds(60));
        Traffic.get(
            traffic.publishers(scale.publishers(), endpoints, pagePolicy()),
            Duration.ofSeconds(30));
        List<PageClient> onDoomed =
            Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream())
                .filter(p -> doomedId.equals(p.nodeId()))
                .toList();

        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long killedAt = System.nanoTime();
        doomed.kill();
        boolean resumed =
            Traffic.await(
                Duration.ofSeconds(60),
                () -> onDoomed.stream().allMatch(p -> p.isReady() && !doomedId.equals(p.nodeId())));
        long resumedAfter =
            onDoomed.stream().mapToLong(PageClient::readyAtNanos).max().orElse(killedAt) - killedAt;
        boolean purged =
            Traffic.await(
                Duration.ofSeconds(30),
                () -> observer.registry().stream().noneMatch(e -> doomedId.equals(e.nodeId())));
        Long left = observer.leftAt(doomedId);
        sleep(scale.afterFault());
        traffic.stopPublishing();

        boolean acknowledged =
            Traffic.await(Duration.ofSeconds(30), () -> traffic.unacknowledged() == 0);
        boolean caughtUp = Traffic.await(Duration.ofSeconds(30), traffic::caughtUp);
        Traffic.Tally tally = traffic.tally();

        Set<String> live =
            Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream())
                .map(PageClient::connectionId)
                .collect(Collectors.toSet());
        List<RegistryEntry> registry = observer.registry();
        Set<String> registered =
            registry.stream().map(RegistryEntry::connectionId).collect(Collectors.toSet());

        check(!onDoomed.isEmpty(), "no page was on the killed node");
        check(resumed, "pages of the killed node did not all resume on the survivor within 60 s");
        check(purged, "registry entries of the killed node still present after 30 s");
        check(acknowledged, traffic.unacknowledged() + " publishes never acknowledged");
        check(
            caughtUp && tally.lost() == 0,
            tally.lost()
                + " acknowledged events lost over "
                + tally.pagesWithLoss()
                + " pages (seqs "
                + traffic.missing(10)
                + ", acked as retries: "
                + traffic.duplicateAcks()
                + ")"
                + traffic.lossReport());
        check(
            tally.duplicates() == 0,
            tally.duplicates() + " duplicates over " + tally.pagesWithDuplicates() + " pages");
        check(tally.jumps() == 0, tally.jumps() + " out-of-order deliveries");
        check(tally.epochs() == 1 && tally.resets() == 0, "history reset during the run");
        check(tally.acked() > 0, "nothing was acknowledged");
        check(
            registered.equals(live),
            "registry "
                + registered.size()
                + " entries vs "
                + live.size()
                + " live connections (ghosts: "
                + registry.stream().filter(e -> !live.contains(e.connectionId())).count()
                + ")");
        check(survivor.isAlive(), "survivor died");

        String detection =
            "member removed "
                + (left == null ? "never" : seconds(left - killedAt))
                + ", "
                + onDoomed.size()
                + " pages resumed "
                + seconds(resumedAfter)
                + ", registry purged";
        return ChaosResult.of(
            name(),
            scale.load(),
            "kill -9 of 1 of 2 connection nodes",
            tally,
            detection,
            violations);
      }
    }
  }
}
