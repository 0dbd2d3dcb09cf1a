package dev.mesh.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("End to end: the three fat jars as separate JVMs")
class FoundationEndToEndTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private MeshProcesses mesh;

  @BeforeEach
  void createGroup() {
    mesh =
        new MeshProcesses(REPO, Path.of("target", "e2e-logs", "foundation-" + System.nanoTime()));
  }

  @AfterEach
  void killEverything() {
    mesh.close();
  }

  @Test
  @DisplayName(
      "all three become ready in one 3-member cluster, talk across it, survive a kill -9 and stop on SIGTERM")
  void clusterLifecycle() {
    ServiceProcess connection = mesh.start(ServiceKind.CONNECTION, "connection");
    ServiceProcess presence = mesh.start(ServiceKind.PRESENCE, "presence");
    ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
    mesh.awaitReady(READY_TIMEOUT, connection, presence, replay);

    for (ServiceProcess process : List.of(connection, presence, replay)) {
      MeshProcesses.await(
          Duration.ofSeconds(20), () -> members(process) == 3, process + " never saw 3 members");
      String metrics = process.getOps("/metrics").orElseThrow().body();
      assertThat(metrics)
          .contains("mesh_process_resident_memory_bytes")
          .contains("service=\"" + process.kind().module() + "\"");
      assertThat(process.getOps("/health").orElseThrow().statusCode()).isEqualTo(200);
    }

    // A cross-service request: connection-service asks presence and replay for their status over
    // the event bus.
    JsonObject dependencies = connection.readiness().orElseThrow().check("dependencies");
    assertThat(dependencies.getJsonObject("presence-service").getString("status")).isEqualTo("UP");
    assertThat(dependencies.getJsonObject("replay-service").getString("status")).isEqualTo("UP");
    assertThat(dependencies.getJsonObject("presence-service").getString("nodeId"))
        .isEqualTo(presence.readiness().orElseThrow().check("cluster").getString("nodeId"));
    assertThat(dependencies.getBoolean("degraded")).isFalse();
    assertThat(connection.get(connection.httpPort(), "/").orElseThrow().statusCode())
        .isEqualTo(200);

    presence.kill();

    for (ServiceProcess survivor : List.of(connection, replay)) {
      MeshProcesses.await(
          Duration.ofSeconds(20),
          () -> members(survivor) == 2,
          survivor + " never noticed the kill");
      assertThat(survivor.readiness().orElseThrow().isReady()).isTrue();
    }
    MeshProcesses.await(
        Duration.ofSeconds(10),
        () ->
            "DOWN"
                .equals(
                    connection
                        .readiness()
                        .orElseThrow()
                        .check("dependencies")
                        .getJsonObject("presence-service")
                        .getString("status")),
        "connection-service still reports presence-service UP after its kill");

    for (ServiceProcess survivor : List.of(connection, replay)) {
      Optional<Integer> exit = survivor.terminate(Duration.ofSeconds(20));
      assertThat(exit).as(survivor + " exit after SIGTERM").isPresent();
      assertThat(survivor.logText()).contains("event=stopping").contains("event=stopped");
    }
  }

  @Test
  @DisplayName(
      "an invalid setting stops start-up with a clear message, no stack trace, and exit status 2")
  void invalidConfigurationIsRejected() {
    ServiceProcess presence =
        mesh.start(
            ServiceKind.PRESENCE,
            "bad-config",
            Map.of(
                "MESH_CLUSTER_PORT",
                "seventy",
                "MESH_HEARTBEAT_INTERVAL",
                "x",
                "MESH_SHUTDOWN_TIMEOUT",
                "-3s"));
    assertThat(presence.waitForExit(Duration.ofSeconds(30))).contains(2);
    String output = presence.logText();
    assertThat(output)
        .contains("mesh: invalid configuration:")
        .contains("MESH_CLUSTER_PORT=seventy: must be a whole number between 1 and 65535")
        .contains("MESH_SHUTDOWN_TIMEOUT=-3s: must be a duration")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  @DisplayName(
      "a port already in use ends start-up with status 1 and the cause, after leaving the cluster")
  void startFailureExits() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ServiceProcess replay =
          mesh.start(
              ServiceKind.REPLAY,
              "port-taken",
              Map.of("MESH_REPLAY_HTTP_PORT", Integer.toString(taken.getLocalPort())));
      // It used to hang here: the bound on leaving the cluster was a timer of the Vert.x instance
      // being closed.
      assertThat(replay.waitForExit(Duration.ofSeconds(60))).contains(1);
      assertThat(replay.logText())
          .contains("event=start-failed")
          .contains("Address already in use");
    }
  }

  private static int members(ServiceProcess process) {
    return process.readiness().map(ServiceProcess.Readiness::clusterMembers).orElse(0);
  }
}
