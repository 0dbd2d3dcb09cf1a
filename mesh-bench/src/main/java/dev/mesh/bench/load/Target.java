package dev.mesh.bench.load;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mesh.bench.baseline.RawServerMain;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ProcStats;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under load: Mesh (1 or 2 connection nodes and a replay-service, and a presence-service
 * with {@code --presence on}, separate JVMs), the raw Vert.x baseline or Socket.IO, the JVMs
 * started with the same flags and the same number of event loops. Knows the edge processes whose
 * memory and CPU are measured.
 */
abstract class Target implements AutoCloseable {

  /** The same heap and collector for every JVM measured. */
  static final List<String> JVM_FLAGS = List.of("-Xmx1g", "-XX:+UseSerialGC");

  /**
   * The connection-service setting that gives the edge its event loops (honoured by the edge of
   * issue 13).
   */
  static final String EVENT_LOOPS_VARIABLE = "MESH_EVENT_LOOPS";

  abstract String name();

  /** Event loops serving the sockets (Socket.IO: Node's one thread). */
  abstract int eventLoops();

  /** What the result file says about this target's threading. */
  io.vertx.core.json.JsonObject describe() {
    return new io.vertx.core.json.JsonObject()
        .put("target", name())
        .put("eventLoops", eventLoops());
  }

  abstract List<Endpoint> endpoints();

  /** Whether the pages speak Socket.IO (Engine.IO v4 framing) instead of Mesh's protocol. */
  boolean speaksSocketIo() {
    return false;
  }

  /** The processes holding the sockets (connection nodes, or the raw server). */
  abstract List<Long> edgePids();

  /**
   * Every process of the target (Mesh: edges, replay, and presence when it runs: so the figures of
   * all Mesh JVMs with {@code --presence on} include presence's CPU and are not comparable with
   * those without).
   */
  abstract List<Long> allPids();

  double edgeCpu() {
    return edgePids().stream().mapToDouble(ProcStats::cpuSeconds).sum();
  }

  /** CPU so far of every live thread of the edge processes (see {@link ProcStats#threadCpu}). */
  Map<String, ProcStats.ThreadCpu> edgeThreadCpu() {
    Map<String, ProcStats.ThreadCpu> all = new LinkedHashMap<>();
    edgePids().forEach(pid -> all.putAll(ProcStats.threadCpu(pid)));
    return all;
  }

  double allCpu() {
    return allPids().stream().mapToDouble(ProcStats::cpuSeconds).sum();
  }

  long edgeRss() {
    return edgePids().stream().mapToLong(ProcStats::rssBytes).sum();
  }

  /** Runs a full GC in every edge process, then sums their used heap (jcmd). */
  long edgeHeapAfterGc() {
    long total = 0;
    for (long pid : edgePids()) {
      jcmd(pid, "GC.run");
      total += usedHeap(jcmd(pid, "GC.heap_info"));
    }
    return total;
  }

  /**
   * Starts a JFR recording (sampling profile) in every server process when {@code dir} is set
   * (LoadMain {@code --jfr}): only the measured phase is recorded, not start-up.
   */
  void startProfile(Path dir) {
    if (dir != null) {
      Path settings = cpuSettings(dir);
      allPids().forEach(pid -> jcmd(pid, "JFR.start name=bench settings=" + settings));
    }
  }

  /**
   * The JDK's own profile settings with Java methods sampled every 1 ms instead of 10: enough
   * samples in seconds.
   */
  private static Path cpuSettings(Path dir) {
    try {
      java.nio.file.Files.createDirectories(dir);
      Path file = dir.resolve("cpu-1ms.jfc").toAbsolutePath();
      String jdk =
          java.nio.file.Files.readString(
              Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"));
      java.nio.file.Files.writeString(
          file,
          jdk.replace(
              "<setting name=\"period\" control=\"method-sampling-java-interval\">10 ms</setting>",
              "<setting name=\"period\" control=\"method-sampling-java-interval\">1 ms</setting>"));
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Writes the recordings started by {@link #startProfile} to {@code dir/<label>-<pid>.jfr} and
   * stops them.
   */
  void dumpProfile(Path dir, String label) {
    if (dir != null) {
      for (long pid : allPids()) {
        Path file = dir.resolve(label + "-" + pid + ".jfr").toAbsolutePath();
        jcmd(pid, "JFR.dump name=bench filename=" + file);
        jcmd(pid, "JFR.stop name=bench");
        System.err.println("\nprofile: " + file);
      }
    }
  }

  private static final Pattern USED = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K");

  static long usedHeap(String heapInfo) {
    Matcher m = USED.matcher(heapInfo);
    long kib = 0;
    while (m.find()) {
      kib += Long.parseLong(m.group(1));
    }
    return kib * 1024;
  }

  static String jcmd(long pid, String command) {
    try {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(pid),
                  command)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * Mesh: {@code nodes} connection nodes and one replay-service, and one presence-service when
   * {@code withPresence} ({@code --presence on}).
   */
  static final class Mesh extends Target {
    final MeshProcesses mesh;
    final List<ServiceProcess> nodes = new ArrayList<>();
    final ServiceProcess replay;
    private final ServiceProcess presence;
    private final int loops;

    Mesh(Path repo, int nodeCount, Map<String, String> env, int loops, boolean withPresence) {
      this.loops = loops;
      Path logs = repo.resolve("mesh-bench/target/load-logs/" + System.currentTimeMillis());
      List<String> flags = new ArrayList<>(JVM_FLAGS);
      // A server that runs out of heap under load leaves the evidence next to its log.
      flags.add("-XX:+HeapDumpOnOutOfMemoryError");
      flags.add("-XX:HeapDumpPath=" + logs.toAbsolutePath());
      // And its collector's pauses: one during a measurement is part of any latency it reports.
      // -Xlog splits its option at ':', and a JVM that cannot parse it does not start.
      if (!logs.toAbsolutePath().toString().contains(":")) {
        flags.add("-Xlog:gc:file=" + logs.toAbsolutePath() + "/gc-%p.log");
      }
      mesh =
          new MeshProcesses(repo, logs)
              .withJvmFlags(flags)
              .withEnv("MESH_CLUSTER_FAILURE_TIMEOUT", "10s")
              .withEnv("MESH_RATE_PER_SECOND", "100000")
              .withEnv("MESH_RATE_BURST", "100000")
              .withEnv("MESH_MAX_CONNECTIONS_PER_NODE", "19500")
              .withEnv("MESH_LOG_LEVEL", "WARN")
              .withEnv(EVENT_LOOPS_VARIABLE, Integer.toString(loops));
      env.forEach(mesh::withEnv);
      for (int i = 0; i < nodeCount; i++) {
        nodes.add(mesh.start(ServiceKind.CONNECTION, "connection-" + (char) ('a' + i)));
      }
      replay = mesh.start(ServiceKind.REPLAY, "replay");
      presence = withPresence ? mesh.start(ServiceKind.PRESENCE, "presence") : null;
      List<ServiceProcess> all = new ArrayList<>(nodes);
      all.add(replay);
      if (presence != null) {
        all.add(presence);
      }
      mesh.awaitReady(Duration.ofMinutes(3), all.toArray(ServiceProcess[]::new));
      MeshProcesses.await(
          Duration.ofSeconds(60),
          () ->
              replay.readiness().map(ServiceProcess.Readiness::clusterMembers).orElse(0)
                  == all.size(),
          "cluster never formed");
    }

    @Override
    io.vertx.core.json.JsonObject describe() {
      return super.describe().put("presenceService", presence != null);
    }

    @Override
    String name() {
      return "mesh-" + nodes.size() + "node";
    }

    @Override
    int eventLoops() {
      return loops;
    }

    @Override
    List<Endpoint> endpoints() {
      return nodes.stream().map(n -> Endpoint.loopback(n.httpPort())).toList();
    }

    @Override
    List<Long> edgePids() {
      return nodes.stream().map(ServiceProcess::pid).toList();
    }

    @Override
    List<Long> allPids() {
      List<Long> pids = new ArrayList<>(edgePids());
      pids.add(replay.pid());
      if (presence != null) {
        pids.add(presence.pid());
      }
      return pids;
    }

    /** Sum over the connection nodes of a metric's samples; NaN when a node does not answer. */
    double edgeMetric(String name, String... labels) {
      return nodes.stream().mapToDouble(node -> metric(node, name, labels)).sum();
    }

    double replayMetric(String name, String... labels) {
      return metric(replay, name, labels);
    }

    /** Sum of a process's samples of a metric; NaN when it does not answer or has none. */
    private static double metric(ServiceProcess process, String name, String... labels) {
      return process
          .getOps("/metrics")
          .map(r -> Prometheus.sum(r.body(), name, labels).orElse(Double.NaN))
          .orElse(Double.NaN);
    }

    @Override
    public void close() {
      mesh.close();
    }
  }

  /**
   * The Socket.IO 4 baseline ({@code mesh-bench/socketio/server.mjs} under Node, connection-state
   * recovery on).
   */
  static final class SocketIo extends Target {
    final dev.mesh.bench.baseline.SocketIoServer server;

    SocketIo(Path repo) {
      server = dev.mesh.bench.baseline.SocketIoServer.start(repo, MeshProcesses.JWT_SECRET);
    }

    @Override
    String name() {
      return "socket.io";
    }

    /** Node runs JavaScript on one thread whatever the machine; the comparison says so. */
    @Override
    int eventLoops() {
      return 1;
    }

    @Override
    boolean speaksSocketIo() {
      return true;
    }

    @Override
    List<Endpoint> endpoints() {
      return List.of(Endpoint.loopback(server.port()));
    }

    @Override
    List<Long> edgePids() {
      return List.of(server.pid());
    }

    @Override
    List<Long> allPids() {
      return edgePids();
    }

    /** V8's used heap after {@code global.gc()}: Node has no jcmd. */
    @Override
    long edgeHeapAfterGc() {
      return server.heapUsedAfterGc();
    }

    /** No JFR in Node; a V8 profile would need {@code --cpu-prof}. */
    @Override
    void startProfile(Path dir) {}

    @Override
    void dumpProfile(Path dir, String label) {}

    @Override
    public void close() {
      server.close();
    }
  }

  /** The raw Vert.x server ({@link RawServerMain}) on {@code loops} event loops. */
  static final class Raw extends Target {
    final Process process;
    final int port;
    private final int loops;

    Raw(int loops) throws IOException {
      this.loops = loops;
      List<String> command =
          new ArrayList<>(
              List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      command.addAll(JVM_FLAGS);
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              RawServerMain.class.getName(),
              "0",
              Integer.toString(loops)));
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      BufferedReader out =
          new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
      String line = out.readLine();
      while (line != null && !line.startsWith("listening ")) {
        line = out.readLine();
      }
      if (line == null || !line.startsWith("listening ")) {
        process.destroyForcibly();
        throw new IOException("raw server did not start: " + line);
      }
      port = Integer.parseInt(line.substring("listening ".length()).trim());
      Thread drain =
          new Thread(
              () -> {
                try {
                  while (out.readLine() != null) {
                    // discard
                  }
                } catch (IOException e) {
                  // ended
                }
              });
      drain.setDaemon(true);
      drain.start();
    }

    @Override
    String name() {
      return "raw-vertx";
    }

    @Override
    int eventLoops() {
      return loops;
    }

    @Override
    List<Endpoint> endpoints() {
      return List.of(Endpoint.loopback(port));
    }

    @Override
    List<Long> edgePids() {
      return List.of(process.pid());
    }

    @Override
    List<Long> allPids() {
      return edgePids();
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
