package dev.mesh.bench.chaos;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One fault scenario: sets up its own processes and pages, injects the fault, and judges the invariant. */
public abstract class Scenario {

  static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  /** Cluster failure detection used by every scenario (MeshProcesses sets MESH_CLUSTER_FAILURE_TIMEOUT=3s). */
  static final Duration FAILURE_TIMEOUT = Duration.ofSeconds(3);

  protected final ChaosEnv env;
  protected final ChaosScale scale;
  protected final List<String> violations = new ArrayList<>();

  protected Scenario(ChaosEnv env) {
    this.env = env;
    this.scale = env.scale();
  }

  public abstract String name();

  public abstract ChaosResult run() throws Exception;

  protected MeshProcesses processes() {
    return new MeshProcesses(env.repoRoot(), env.logRoot().resolve(name() + "-" + System.currentTimeMillis()));
  }

  protected void check(boolean holds, String violation) {
    if (!holds) {
      violations.add(violation);
    }
  }

  /** Pages that detect a dead node by their own pings quickly and retry fast (with jitter). */
  protected static ClientPolicy pagePolicy() {
    return ClientPolicy.fast();
  }

  static String nodeId(ServiceProcess process) {
    return process.readiness().orElseThrow().check("cluster").getString("nodeId");
  }

  static Endpoint endpoint(ServiceProcess connection) {
    return Endpoint.loopback(connection.httpPort());
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  static void sleep(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }
}
