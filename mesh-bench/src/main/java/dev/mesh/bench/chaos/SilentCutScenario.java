package dev.mesh.bench.chaos;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.client.RawWebSocket;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceProcess;
import io.vertx.core.net.NetClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 4: a client's link goes silent (no FIN, no RST) while pages publish and receive on the
 * same node. The server terminates the zombie within heartbeat interval + timeout (close 4000,
 * entry gone) and the client notices by its own heartbeat. With a network namespace the cut is real
 * ({@code iptables -j DROP} inside it); without one, the peer is a raw socket that stops reading
 * and answering after the upgrade (the server cannot tell the difference, the client side is then
 * not measured).
 */
public final class SilentCutScenario extends Scenario {

  private static final Duration CLIENT_PING = Duration.ofMillis(500);
  private static final Duration CLIENT_PONG_TIMEOUT = Duration.ofMillis(1500);

  /** One sweep of the server's heartbeat check and scheduling on a loaded 2-core machine. */
  private static final Duration SLACK = Duration.ofMillis(1500);

  /** Vert.x closes clients nothing refers to: the silent peer must outlive the measurement. */
  private static final List<Object> KEEP = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final EdgeGroup edge;

  public SilentCutScenario(ChaosEnv env, EdgeGroup edge) {
    super(env);
    this.edge = edge;
  }

  @Override
  public String name() {
    return "4 silent client cut";
  }

  @Override
  public ChaosResult run() throws Exception {
    BenchTokens tokens = new BenchTokens(env.vertx(), MeshProcesses.JWT_SECRET);
    try (Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:cut")) {
      int pages = Math.max(2, scale.subscribers() / 4);
      Traffic.get(
          traffic.subscribers(pages, List.of(edge.endpoint), pagePolicy()), Duration.ofSeconds(60));
      Traffic.get(
          traffic.publishers(1, List.of(edge.endpoint), pagePolicy()), Duration.ofSeconds(30));
      Map<PageClient, Integer> closesAtStart = traffic.closeMark();
      traffic.startPublishing(scale.ratePerPublisher(), 50);
      double zombiesBefore = metric(edge.node, "mesh_zombies_terminated_total");
      double activeBefore = metric(edge.node, "mesh_connections_active");

      long cutAt;
      String technique;
      Long clientDetectedMillis = null;
      Process cutClient = null;
      CompletableFuture<String> clientVerdict = new CompletableFuture<>();
      try {
        if (edge.namespace != null) {
          technique = "iptables DROP in a network namespace (real half-open link)";
          List<String> command =
              new ArrayList<>(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-Xmx64m",
                      "-cp",
                      System.getProperty("java.class.path"),
                      CutClientMain.class.getName(),
                      edge.endpoint.host(),
                      Integer.toString(edge.endpoint.port()),
                      tokens.token("cut-client"),
                      Long.toString(CLIENT_PING.toMillis()),
                      Long.toString(CLIENT_PONG_TIMEOUT.toMillis())));
          cutClient =
              new ProcessBuilder(edge.namespace.exec(command)).redirectErrorStream(true).start();
          BufferedReader out =
              new BufferedReader(new InputStreamReader(cutClient.getInputStream(), UTF_8));
          CompletableFuture<Void> welcomed = new CompletableFuture<>();
          Thread reader =
              new Thread(
                  () -> {
                    try {
                      for (String line; (line = out.readLine()) != null; ) {
                        if (line.startsWith("welcome")) {
                          welcomed.complete(null);
                        } else if (line.startsWith("dead") || line.startsWith("closed")) {
                          clientVerdict.complete(line);
                        }
                      }
                    } catch (Exception e) {
                      clientVerdict.completeExceptionally(e);
                    }
                    welcomed.completeExceptionally(
                        new IllegalStateException("cut client ended without welcome"));
                  },
                  "cut-client-reader");
          reader.setDaemon(true);
          reader.start();
          welcomed.get(60, TimeUnit.SECONDS);
          MeshProcesses.await(
              Duration.ofSeconds(10),
              () -> metric(edge.node, "mesh_connections_active") == activeBefore + 1,
              "the cut client's connection never showed");
          sleep(Duration.ofSeconds(1));
          cutAt = System.nanoTime();
          long cutWallMillis = System.currentTimeMillis();
          edge.namespace.cut();
          String verdict = clientVerdict.get(30, TimeUnit.SECONDS);
          clientDetectedMillis =
              Long.parseLong(verdict.substring(verdict.lastIndexOf(' ') + 1)) - cutWallMillis;
          check(
              verdict.startsWith("dead"),
              "client saw '" + verdict + "' instead of its heartbeat failing");
        } else {
          technique =
              "silent peer: raw socket that stops reading and answering after the upgrade (no namespace here)";
          // Held with the socket: Vert.x closes the sockets of a client the garbage collector
          // finds unreachable, which would turn the silent peer into a polite one.
          NetClient silentClient = env.vertx().createNetClient();
          KEEP.add(silentClient);
          RawWebSocket silent =
              Traffic.get(
                  RawWebSocket.upgrade(
                      silentClient,
                      edge.endpoint,
                      tokens.token("cut-client"),
                      "session=s&tab=t&page=p",
                      true),
                  Duration.ofSeconds(30));
          cutAt = System.nanoTime();
          KEEP.add(silent);
        }
        boolean terminated =
            Traffic.await(
                Duration.ofSeconds(30),
                () -> metric(edge.node, "mesh_zombies_terminated_total") >= zombiesBefore + 1);
        long serverDetected = System.nanoTime() - cutAt;
        boolean gone =
            Traffic.await(
                Duration.ofSeconds(5),
                () -> metric(edge.node, "mesh_connections_active") == activeBefore);
        traffic.stopPublishing();
        boolean acknowledged =
            Traffic.await(Duration.ofSeconds(30), () -> traffic.unacknowledged() == 0);
        boolean caughtUp = Traffic.await(Duration.ofSeconds(30), traffic::caughtUp);
        Traffic.Tally tally = traffic.tally();

        Duration bound = EdgeGroup.HEARTBEAT_INTERVAL.plus(EdgeGroup.HEARTBEAT_TIMEOUT);
        check(terminated, "zombie not terminated within 30 s");
        check(
            serverDetected <= bound.plus(SLACK).toNanos(),
            "zombie terminated after "
                + seconds(serverDetected)
                + ", bound interval + timeout = "
                + bound.toMillis()
                + " ms (+"
                + SLACK.toMillis()
                + " ms sweep slack)");
        check(gone, "the zombie's session is still counted");
        if (clientDetectedMillis != null) {
          check(
              clientDetectedMillis <= CLIENT_PING.plus(CLIENT_PONG_TIMEOUT).plus(SLACK).toMillis(),
              "client noticed after " + clientDetectedMillis + " ms");
        }
        check(
            acknowledged && caughtUp && tally.lost() == 0,
            tally.lost() + " events lost by healthy pages");
        check(tally.duplicates() == 0, tally.duplicates() + " duplicates at healthy pages");
        String healthyClosed = Traffic.closedSince(closesAtStart);
        check(healthyClosed.isEmpty(), "a healthy page was closed: " + healthyClosed);

        String detection =
            "server closed zombie (4000) "
                + seconds(serverDetected)
                + " after the cut (bound "
                + bound.toMillis()
                + " ms from the last frame)"
                + (clientDetectedMillis == null
                    ? ""
                    : ", client's own heartbeat noticed after "
                        + clientDetectedMillis
                        + " ms (ping "
                        + CLIENT_PING.toMillis()
                        + " + timeout "
                        + CLIENT_PONG_TIMEOUT.toMillis()
                        + " ms)");
        return ChaosResult.of(
            name(),
            pages
                + " pages + 1 publisher x "
                + (int) scale.ratePerPublisher()
                + "/s + 1 cut client",
            technique,
            tally,
            detection,
            violations);
      } finally {
        if (cutClient != null) {
          cutClient.destroyForcibly();
        }
      }
    }
  }

  static double metric(ServiceProcess process, String name, String... labels) {
    return process
        .getOps("/metrics")
        .map(r -> Prometheus.sum(r.body(), name, labels).orElse(0))
        .orElse(-1.0);
  }
}
