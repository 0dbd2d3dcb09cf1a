package dev.mesh.bench.chaos;

import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import java.time.Duration;
import java.util.Map;

/**
 * One connection node (heartbeat 1 s + 1 s) and one replay-service, shared by the scenarios that
 * attack a single node from the client side (silent cut, fuzzing). When a network namespace can be
 * made, the node listens on the host end of its veth link so that a client inside it can be cut off
 * for real.
 */
final class EdgeGroup implements AutoCloseable {

  static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(1);

  final MeshProcesses mesh;
  final ServiceProcess node;
  final ServiceProcess replay;
  final NetNamespace namespace;
  final Endpoint endpoint;

  private EdgeGroup(
      MeshProcesses mesh,
      ServiceProcess node,
      ServiceProcess replay,
      NetNamespace namespace,
      Endpoint endpoint) {
    this.mesh = mesh;
    this.node = node;
    this.replay = replay;
    this.namespace = namespace;
    this.endpoint = endpoint;
  }

  static EdgeGroup start(ChaosEnv env) {
    NetNamespace namespace = null;
    if (NetNamespace.available()) {
      try {
        namespace = NetNamespace.create();
      } catch (Exception e) {
        System.out.println(
            "chaos: no network namespace ("
                + e.getMessage()
                + "); the silent cut uses a silent peer");
      }
    }
    String host = namespace == null ? "127.0.0.1" : namespace.hostAddress();
    MeshProcesses mesh =
        new MeshProcesses(
                env.repoRoot(), env.logRoot().resolve("edge-" + System.currentTimeMillis()))
            .withEnv("MESH_HEARTBEAT_INTERVAL", HEARTBEAT_INTERVAL.toMillis() + "ms")
            .withEnv("MESH_HEARTBEAT_TIMEOUT", HEARTBEAT_TIMEOUT.toMillis() + "ms");
    ServiceProcess node =
        mesh.start(ServiceKind.CONNECTION, "connection", Map.of("MESH_HTTP_HOST", host));
    ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
    mesh.awaitReady(Scenario.READY_TIMEOUT, node, replay);
    return new EdgeGroup(mesh, node, replay, namespace, new Endpoint(host, node.httpPort()));
  }

  @Override
  public void close() {
    mesh.close();
    if (namespace != null) {
      namespace.close();
    }
  }
}
