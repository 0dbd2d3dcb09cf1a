package dev.mesh.bench.chaos;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.protocol.CloseCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Scenario 3: {@code kill -STOP} of a connection node (hung, not dead), with presence-service
 * running. Edges are lite members, so nothing waits for the hung one: its pages notice by their own
 * pings and resume on the other node within the documented bound, presence shows them online there,
 * and the cluster removes the hung node within failure detection and purges its registry entries.
 * Some pages on it never ping and never reconnect (stale sockets). After {@code kill -CONT} the
 * node finds it was paused past failure detection: it is never ready alone, closes the stale
 * sockets with 1001 (never 4000), rejoins, and is ready again with the full member count. No
 * acknowledged event is lost or doubled, the registry ends equal to the live sockets, and no user
 * reads offline.
 */
public final class HungNodeScenario extends Scenario {

  private static final int STALE_PAGES = 3;

  /** Failure detection of the fast runs (MESH_CLUSTER_FAILURE_TIMEOUT), half the default. */
  private static final Duration FAST_DETECTION = Duration.ofSeconds(5);

  private final boolean underHog;

  /**
   * MESH_CLUSTER_FAILURE_TIMEOUT for this run. Under the hog at full scale the services keep their
   * default (10 s): that run asks whether the shipped settings hold a starved 2,000-page cluster
   * together, and 5 s is a test setting chosen for speed.
   */
  private final Duration detection;

  public HungNodeScenario(ChaosEnv env) {
    this(env, false);
  }

  HungNodeScenario(ChaosEnv env, boolean underHog) {
    super(env);
    this.underHog = underHog;
    this.detection =
        underHog && !scale.equals(ChaosScale.SMALL)
            ? ClusterOptions.DEFAULT_FAILURE_DETECTION_TIMEOUT
            : FAST_DETECTION;
  }

  @Override
  public String name() {
    return underHog
        ? "8 kill -STOP connection node under a CPU hog"
        : "3 kill -STOP connection node";
  }

  @Override
  public ChaosResult run() throws Exception {
    // A long server heartbeat, so that only the node's own pause detection (not a heartbeat
    // timeout) can close the
    // stale sockets.
    // Under the hog for the whole scenario, process starts included.
    try (Hog hog = underHog ? Hog.start() : Hog.none();
        MeshProcesses mesh =
            membershipProcesses()
                .withEnv("MESH_HEARTBEAT_INTERVAL", "60s")
                .withEnv("MESH_CLUSTER_FAILURE_TIMEOUT", detection.toSeconds() + "s")) {
      // presence-service starts first: the oldest member, the master (scenario 7 hangs the master).
      ServiceProcess presence = mesh.start(ServiceKind.PRESENCE, "presence");
      mesh.awaitReady(READY_TIMEOUT, presence);
      ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
      ServiceProcess other = mesh.start(ServiceKind.CONNECTION, "connection-b");
      ServiceProcess hung = mesh.start(ServiceKind.CONNECTION, "connection-a");
      mesh.awaitReady(READY_TIMEOUT, replay, other, hung);
      String hungId = nodeId(hung);
      List<Endpoint> endpoints = List.of(endpoint(hung), endpoint(other));
      Judge judge = new Judge(violations);
      try (ClusterObserver observer = ClusterObserver.join(mesh, detection);
          Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:hung")) {
        int members = observer.members();
        Traffic.get(
            traffic.subscribers(scale.subscribers(), endpoints, pagePolicy()),
            Duration.ofSeconds(60));
        Traffic.get(
            traffic.publishers(scale.publishers(), List.of(endpoint(other)), pagePolicy()),
            Duration.ofSeconds(30));
        ClientPolicy passive =
            ClientPolicy.fast().withPing(Duration.ZERO, Duration.ZERO).withoutReconnect();
        List<PageClient> stale = new ArrayList<>();
        for (int i = 0; i < STALE_PAGES; i++) {
          stale.add(
              traffic
                  .page("stale", i, List.of(endpoint(hung)), 0, passive)
                  .subscribe(traffic.channel()));
        }
        Traffic.get(
            io.vertx.core.Future.all(stale.stream().map(PageClient::start).toList()),
            Duration.ofSeconds(30));
        List<PageClient> moving =
            traffic.subscribers().stream().filter(p -> hungId.equals(p.nodeId())).toList();

        traffic.startPublishing(scale.ratePerPublisher(), 50);
        sleep(scale.beforeFault());
        long stoppedAt = System.nanoTime();
        hung.signal("STOP");
        try {
          Duration bound = resumeBound(admission());
          boolean resumed =
              Traffic.await(
                  bound.plusSeconds(30),
                  () -> moving.stream().allMatch(p -> p.isReady() && !hungId.equals(p.nodeId())));
          long resumedAfter =
              moving.stream().mapToLong(PageClient::readyAtNanos).max().orElse(stoppedAt)
                  - stoppedAt;
          boolean removed =
              Traffic.await(Duration.ofSeconds(30), () -> observer.leftAt(hungId) != null);
          long detectedAfter = removed ? observer.leftAt(hungId) - stoppedAt : -1;
          boolean purged =
              Traffic.await(
                  Duration.ofSeconds(30),
                  () -> observer.registry().stream().noneMatch(e -> hungId.equals(e.nodeId())));
          // Presence of the moved users, while the hung node still sleeps.
          List<String> movedUsers = moving.stream().map(PageClient::userId).toList();
          List<UserPresence>[] seen = new List[1];
          boolean movedOnline =
              Traffic.await(
                  RECONCILE_INTERVAL.multipliedBy(2).plusSeconds(5),
                  () -> {
                    seen[0] = observer.presenceOf(movedUsers);
                    return seen[0].size() == movedUsers.size()
                        && seen[0].stream()
                            .allMatch(
                                u -> u.status() == PresenceStatus.ONLINE && u.connections() > 0);
                  });
          sleep(scale.afterFault());

          long continuedAt = System.nanoTime();
          ReadinessWatch watch = ReadinessWatch.start(hung, members);
          hung.signal("CONT");
          boolean staleClosed =
              Traffic.await(
                  Duration.ofSeconds(60),
                  () -> stale.stream().allMatch(p -> !p.closeCodes().isEmpty()));
          long staleClosedAfter = System.nanoTime() - continuedAt;
          boolean readyAgain = Traffic.await(Duration.ofSeconds(90), watch::readyWithAll);
          long readyAgainAfter = System.nanoTime() - continuedAt;
          watch.stop();
          boolean emptied =
              Traffic.await(Duration.ofSeconds(10), () -> activeConnections(hung) == 0);
          traffic.stopPublishing();

          Traffic.Tally tally = judge.events(traffic);
          judge.registry(observer, traffic, Duration.ofSeconds(30));
          judge.busRouting(observer, Duration.ofSeconds(10));
          judge.presence(observer, traffic, PRESENCE_GRACE.plusSeconds(10));
          List<Integer> staleCodes =
              stale.stream().flatMap(p -> p.closeCodes().stream()).distinct().toList();

          check(!moving.isEmpty(), "no page was on the hung node");
          check(
              resumed && resumedAfter <= bound.toNanos(),
              "pages of the hung node resumed elsewhere after "
                  + seconds(resumedAfter)
                  + ", bound "
                  + bound.toSeconds()
                  + " s");
          check(
              removed && detectedAfter <= detection.plusSeconds(3).toNanos(),
              "hung node removed after "
                  + seconds(detectedAfter)
                  + " (failure detection "
                  + detection.toSeconds()
                  + " s)");
          check(purged, "registry entries of the hung node still present after 30 s");
          check(
              movedOnline,
              "moved users not online while the node hung: "
                  + (seen[0] == null
                      ? "no answer"
                      : seen[0].stream()
                          .filter(u -> u.status() != PresenceStatus.ONLINE || u.connections() == 0)
                          .map(
                              u -> u.userId() + "=" + u.status().wireName() + "/" + u.connections())
                          .toList()));
          check(
              staleClosed,
              "stale sockets still open " + seconds(staleClosedAfter) + " after kill -CONT");
          check(
              staleCodes.equals(List.of(CloseCode.GOING_AWAY.code())),
              "stale sockets closed with " + staleCodes + ", not 1001");
          check(
              watch.readyAlone().isEmpty(),
              "the resumed node answered /ready 200 without the full cluster: "
                  + watch.readyAlone());
          check(
              readyAgain,
              "the resumed node not ready again with "
                  + members
                  + " members after 90 s (last: "
                  + watch.last()
                  + ")");
          check(
              emptied, "the resumed node still counts " + activeConnections(hung) + " connections");
          check(hung.isAlive() && other.isAlive(), "a node died");

          String timings =
              "pages resumed elsewhere "
                  + seconds(resumedAfter)
                  + " after STOP (bound "
                  + bound.toSeconds()
                  + " s), member removed "
                  + seconds(detectedAfter)
                  + " (failure detection "
                  + detection.toSeconds()
                  + " s); after CONT: stale sockets closed "
                  + seconds(staleClosedAfter)
                  + " with "
                  + staleCodes
                  + ", ready again with "
                  + members
                  + " members "
                  + seconds(readyAgainAfter)
                  + ", never ready alone";
          return ChaosResult.of(
              name(),
              scale.load() + " + " + STALE_PAGES + " stale pages",
              "SIGSTOP 1 of 2 connection nodes for "
                  + scale.afterFault().toSeconds()
                  + " s after detection, then SIGCONT"
                  + (underHog ? ", CPU hog throughout" : ""),
              tally,
              timings,
              violations);
        } finally {
          hung.signal("CONT");
        }
      }
    }
  }

  private static long activeConnections(ServiceProcess process) {
    return process
        .getOps("/metrics")
        .map(r -> (long) Prometheus.sum(r.body(), "mesh_connections_active").orElse(-1))
        .orElse(-1L);
  }

  /**
   * Polls a node's {@code /ready} every 100 ms after it resumes: every 200 must come with the full
   * member count (a node that serves alone is the bug of issue 17).
   */
  static final class ReadinessWatch {
    private final ServiceProcess process;
    private final int members;
    private final List<String> readyAlone = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile boolean readyWithAll;
    private volatile String last = "no answer";

    private ReadinessWatch(ServiceProcess process, int members) {
      this.process = process;
      this.members = members;
    }

    static ReadinessWatch start(ServiceProcess process, int members) {
      ReadinessWatch watch = new ReadinessWatch(process, members);
      Thread thread = new Thread(watch::poll, "readiness-watch-" + process.name());
      thread.setDaemon(true);
      thread.start();
      return watch;
    }

    private void poll() {
      while (running.get()) {
        process
            .readiness()
            .ifPresent(
                r -> {
                  last = r.status() + " members=" + r.clusterMembers();
                  if (r.isReady()) {
                    if (r.clusterMembers() < members) {
                      readyAlone.add("200 with members=" + r.clusterMembers());
                    } else {
                      readyWithAll = true;
                    }
                  }
                });
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    boolean readyWithAll() {
      return readyWithAll;
    }

    List<String> readyAlone() {
      return List.copyOf(readyAlone);
    }

    String last() {
      return last;
    }

    void stop() {
      running.set(false);
    }
  }
}
