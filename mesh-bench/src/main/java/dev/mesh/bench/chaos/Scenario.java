package dev.mesh.bench.chaos;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One fault scenario: sets up its own processes and pages, injects the fault, and judges the
 * invariant.
 */
public abstract class Scenario {

  static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  /**
   * Cluster failure detection used by every scenario (MeshProcesses sets
   * MESH_CLUSTER_FAILURE_TIMEOUT=3s).
   */
  static final Duration FAILURE_TIMEOUT = Duration.ofSeconds(3);

  /**
   * Presence grace in the membership scenarios at small scale (see {@link #presenceGrace()}), and
   * the base of the judges' window for every user to read online.
   */
  static final Duration PRESENCE_GRACE = Duration.ofSeconds(15);

  /**
   * How often each edge repairs its registry entries, and presence reconciles, in the membership
   * scenarios.
   */
  static final Duration REPAIR_INTERVAL = Duration.ofSeconds(2);

  static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(5);

  protected final ChaosEnv env;
  protected final ChaosScale scale;
  protected final List<String> violations = new ArrayList<>();

  protected Scenario(ChaosEnv env) {
    this.env = env;
    this.scale = env.scale();
  }

  public abstract String name();

  public abstract ChaosResult run() throws Exception;

  /**
   * The processes of one scenario. Small scale keeps the harness default heap (256 MiB, many JVMs
   * on one machine); full scale gives each service the 1 GiB the load benchmarks use, and a heap
   * dump if that is not enough.
   */
  protected MeshProcesses processes() {
    Path logs = env.logRoot().resolve(name() + "-" + System.currentTimeMillis());
    MeshProcesses mesh = new MeshProcesses(env.repoRoot(), logs);
    return scale.equals(ChaosScale.SMALL)
        ? mesh
        : mesh.withJvmFlags(
            List.of(
                "-Xmx1g",
                "-XX:+UseSerialGC",
                "-XX:+HeapDumpOnOutOfMemoryError",
                "-XX:HeapDumpPath=" + logs.toAbsolutePath()));
  }

  /**
   * {@link #processes()} with the settings of the membership scenarios: presence grace, registry
   * repair and reconciliation fast enough to be judged within the scenario.
   */
  protected MeshProcesses membershipProcesses() {
    return processes()
        .withEnv("MESH_PRESENCE_GRACE", presenceGrace().toSeconds() + "s")
        .withEnv("MESH_PRESENCE_RECONCILE_INTERVAL", RECONCILE_INTERVAL.toSeconds() + "s")
        .withEnv("MESH_REGISTRY_CHECK_INTERVAL", REPAIR_INTERVAL.toSeconds() + "s");
  }

  /**
   * Presence grace in the membership scenarios: longer than any page needs to come back (so a user
   * who moved never reads offline), short enough that a wrong {@code reconnecting} would turn into
   * a visible {@code offline} before the scenario ends. Operators set the grace above their
   * clients' reconnect time; at full scale pages may take the whole resume bound (60 s: browser
   * backoff, 2,000 pages on 2 cores) to come back, so there the grace is that bound, not 15 s.
   */
  protected Duration presenceGrace() {
    Duration resume = resumeBound(admission());
    return resume.compareTo(PRESENCE_GRACE) > 0 ? resume : PRESENCE_GRACE;
  }

  /**
   * What one page's admission elsewhere may take (connect, register, subscribe with history): the
   * allowance of {@link #resumeBound}.
   */
  protected Duration admission() {
    return scale.equals(ChaosScale.SMALL) ? Duration.ofSeconds(5) : Duration.ofSeconds(20);
  }

  /**
   * The bound from a node hanging to its pages resumed elsewhere (docs/MEMBERSHIP.md 6): the page's
   * own heartbeat notices (ping interval + pong timeout), waits its reconnect delay (at most the
   * backoff cap), and is admitted elsewhere (connect, register, subscribe with history: {@code
   * admission}).
   */
  protected Duration resumeBound(Duration admission) {
    ClientPolicy policy = pagePolicy();
    return policy
        .pingInterval()
        .plus(policy.pongTimeout())
        .plus(policy.backoffCap())
        .plus(admission);
  }

  protected void check(boolean holds, String violation) {
    if (!holds) {
      violations.add(violation);
    }
  }

  /**
   * The pages' heartbeat, timeouts and backoff. Small scale: fast, so each scenario takes seconds.
   * Full scale: the browser client's connect timeout and backoff, with a 5 s + 5 s heartbeat so a
   * hung node is noticed within the scenario. With the fast policy, 1,000 pages moving at once to
   * one node on 2 cores timed out their connects (3 s) and pongs (1.5 s) and retried every 0.2-2 s:
   * a retry storm of the benchmark's own making.
   */
  protected ClientPolicy pagePolicy() {
    return scale.equals(ChaosScale.SMALL)
        ? ClientPolicy.fast()
        : ClientPolicy.browser()
            .withPing(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(5));
  }

  /** Membership events a process logs: what a failed "whole again" check needs to be read. */
  private static final java.util.regex.Pattern MEMBERSHIP_EVENT =
      java.util.regex.Pattern.compile(
          "event=(merging|rejoining|rejoined|ready|start-retry|start-failed|paused|pause-cleared"
              + "|quorum-lost|quorum-regained)|is merging to|MERGE_FAILED|CANNOT merge|should merge"
              + "|should not merge|Could not|Resetting local member UUID"
              + "|[Mm]astership|Suspecting Member|Removing Member|Members \\{size");

  /**
   * Each process's readiness (status, member count, failing checks) and its last membership events
   * from its log: put in a violation, so a run that failed on a machine we cannot see (CI) says
   * where the cluster stood.
   */
  static String membershipState(List<ServiceProcess> processes) {
    StringBuilder state = new StringBuilder();
    for (ServiceProcess process : processes) {
      state.append("\n  ").append(process.name()).append(": ");
      state.append(
          process
              .readiness()
              .map(
                  r -> {
                    List<String> failing = new ArrayList<>();
                    var checks = r.body().getJsonArray("checks");
                    for (int i = 0; checks != null && i < checks.size(); i++) {
                      var check = checks.getJsonObject(i);
                      if (!"UP".equals(check.getString("status"))) {
                        failing.add(check.getString("id") + " " + check.getValue("data"));
                      }
                    }
                    return "/ready "
                        + r.status()
                        + ", "
                        + r.clusterMembers()
                        + " members"
                        + (failing.isEmpty() ? "" : ", down: " + failing);
                  })
              .orElse("/ready unreachable"));
      List<String> events =
          process.logText().lines().filter(l -> MEMBERSHIP_EVENT.matcher(l).find()).toList();
      for (String event : events.subList(Math.max(0, events.size() - 10), events.size())) {
        state.append("\n    ").append(event.length() > 240 ? event.substring(0, 240) : event);
      }
    }
    return state.toString();
  }

  static String nodeId(ServiceProcess process) {
    return process.readiness().orElseThrow().check("cluster").getString("nodeId");
  }

  static Endpoint endpoint(ServiceProcess connection) {
    return new Endpoint(connection.httpHost(), connection.httpPort());
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  static void sleep(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }
}
