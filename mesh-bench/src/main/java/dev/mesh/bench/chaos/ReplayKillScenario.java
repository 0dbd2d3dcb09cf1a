package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 2: {@code kill -9} of one of two replay-service instances while pages publish. Publishes
 * in flight to it fail or time out and are retried under the same message id; half of the
 * subscribers drop their connection right after the kill and resume from their last position. No
 * acknowledged event is lost, none is doubled, and every resume is exact (no reset, no hole).
 * Presence-service's half of the scenario comes with presence-service.
 */
public final class ReplayKillScenario extends Scenario {

  public ReplayKillScenario(ChaosEnv env) {
    super(env);
  }

  @Override
  public String name() {
    return "2 kill -9 replay instance";
  }

  @Override
  public ChaosResult run() throws Exception {
    try (MeshProcesses mesh = processes()) {
      ServiceProcess a = mesh.start(ServiceKind.CONNECTION, "connection-a");
      ServiceProcess b = mesh.start(ServiceKind.CONNECTION, "connection-b");
      ServiceProcess doomed = mesh.start(ServiceKind.REPLAY, "replay-1");
      ServiceProcess survivor = mesh.start(ServiceKind.REPLAY, "replay-2");
      mesh.awaitReady(READY_TIMEOUT, a, b, doomed, survivor);
      MeshProcesses.await(Duration.ofSeconds(30), () -> members(a) == 4, "4 members never seen");
      List<Endpoint> endpoints = List.of(endpoint(a), endpoint(b));
      try (Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:replay")) {
        Traffic.get(
            traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()),
            Duration.ofSeconds(60));
        Traffic.get(
            traffic.publishers(scale.publishers(), endpoints, pagePolicy()),
            Duration.ofSeconds(30));
        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long killedAt = System.nanoTime();
        doomed.kill();
        sleep(Duration.ofMillis(300));
        List<PageClient> resuming =
            traffic.subscribers().subList(0, traffic.subscribers().size() / 2);
        resuming.forEach(PageClient::dropAndResume);
        boolean resumed =
            Traffic.await(
                Duration.ofSeconds(60),
                () -> resuming.stream().allMatch(p -> p.isReady() && p.welcomes() >= 2));
        long resumedAfter =
            resuming.stream().mapToLong(PageClient::readyAtNanos).max().orElse(killedAt) - killedAt;
        boolean removed = Traffic.await(Duration.ofSeconds(30), () -> members(a) == 3);
        long removedAfter = System.nanoTime() - killedAt;
        sleep(scale.afterFault());
        traffic.stopPublishing();

        boolean acknowledged =
            Traffic.await(Duration.ofSeconds(30), () -> traffic.unacknowledged() == 0);
        boolean caughtUp = Traffic.await(Duration.ofSeconds(30), traffic::caughtUp);
        Traffic.Tally tally = traffic.tally();
        long retries = traffic.publishers().stream().mapToLong(PageClient::publishRetries).sum();

        check(resumed, "pages that dropped their connection did not all resume within 60 s");
        check(removed, "the killed replay instance was never removed from the cluster");
        check(acknowledged, traffic.unacknowledged() + " publishes never acknowledged");
        check(
            caughtUp && tally.lost() == 0,
            tally.lost()
                + " acknowledged events lost over "
                + tally.pagesWithLoss()
                + " pages (seqs "
                + traffic.missing(10)
                + ")"
                + traffic.lossReport());
        check(
            tally.duplicates() == 0,
            tally.duplicates() + " duplicates over " + tally.pagesWithDuplicates() + " pages");
        check(tally.jumps() == 0, tally.jumps() + " out-of-order deliveries");
        check(
            tally.epochs() == 1 && tally.resets() == 0,
            "history reset during the run (resume not exact)");
        check(tally.acked() > 0, "nothing was acknowledged");
        check(survivor.isAlive() && a.isAlive() && b.isAlive(), "another process died");

        String detection =
            "member removed <= "
                + seconds(removedAfter)
                + ", longest publish->ack "
                + seconds(traffic.maxAckNanos())
                + " ("
                + retries
                + " retried), "
                + resuming.size()
                + " pages resumed "
                + seconds(resumedAfter);
        return ChaosResult.of(
            name(),
            scale.load(),
            "kill -9 of 1 of 2 replay-service instances; "
                + resuming.size()
                + " pages drop and resume",
            tally,
            detection,
            violations);
      }
    }
  }

  private static int members(ServiceProcess process) {
    return process.readiness().map(ServiceProcess.Readiness::clusterMembers).orElse(0);
  }
}
