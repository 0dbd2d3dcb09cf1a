package dev.mesh.bench.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A group of service JVMs forming one cluster on loopback, with a cluster name and Hazelcast port
 * range of its own. {@link #close()} kills whatever is still running; a JVM shutdown hook does the
 * same if the caller never gets there, and each child also watches this JVM ({@code
 * MESH_PARENT_PID}) and exits when it dies.
 */
public final class MeshProcesses implements AutoCloseable {

  /** Hazelcast port ranges of 100 (a member tries up to 100 ports from its base) from 30000. */
  private static final int PORT_RANGES = 20;

  private static final int PORTS_PER_RANGE = 100;

  /**
   * The next range to hand out, from a random start so that two test JVMs on one machine rarely
   * pick the same. Within one JVM, groups alive at the same time (the chaos suite keeps one group
   * for the client-side scenarios while others come and go) get different ranges: with a shared
   * range, a member of the second group binds a port after the first group's members, and the join
   * list ({@code MESH_CLUSTER_MEMBERS}, the first three ports) names the wrong cluster's members,
   * so a member cut off later has nobody to rejoin through but the first one.
   */
  private static final AtomicInteger NEXT_RANGE =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(0, PORT_RANGES));

  /**
   * Flags Hazelcast needs beyond what the jar manifest grants, a small heap and one collector
   * thread (many JVMs share the machine), and only the quick compiler: a test's services live for
   * seconds to a minute, too short for the optimising compiler's code to repay the CPU it burns
   * while every other service on the machine is starting. The load bench and the full-scale chaos
   * suite set their own flags (both compilers).
   */
  private static final List<String> JVM_FLAGS =
      List.of(
          "--add-modules", "java.se", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private List<String> jvmFlags = JVM_FLAGS;

  /**
   * The HS256 secret every connection node of a group verifies tokens with (tests sign with it).
   */
  public static final String JWT_SECRET = "mesh-bench-secret-at-least-32-bytes-long";

  private final Path repoRoot;
  private final Path logDir;
  private final String clusterName = "e2e-" + UUID.randomUUID();
  private final int hazelcastPortBase = allocatePortBase();
  private final Map<String, String> commonEnv = new HashMap<>();
  private final List<ServiceProcess> started = new ArrayList<>();
  private final Thread cleanup = new Thread(this::destroyAll, "mesh-processes-cleanup");

  public MeshProcesses(Path repoRoot, Path logDir) {
    this.repoRoot = repoRoot;
    this.logDir = logDir;
    Runtime.getRuntime().addShutdownHook(cleanup);
    commonEnv.put("MESH_CLUSTER_NAME", clusterName);
    commonEnv.put("MESH_CLUSTER_PORT", Integer.toString(hazelcastPortBase));
    commonEnv.put(
        "MESH_CLUSTER_MEMBERS",
        "127.0.0.1:"
            + hazelcastPortBase
            + ",127.0.0.1:"
            + (hazelcastPortBase + 1)
            + ",127.0.0.1:"
            + (hazelcastPortBase + 2));
    commonEnv.put("MESH_CLUSTER_HEARTBEAT", "1s");
    commonEnv.put("MESH_CLUSTER_FAILURE_TIMEOUT", "3s");
    commonEnv.put("MESH_SHUTDOWN_TIMEOUT", "10s");
    commonEnv.put("MESH_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
    commonEnv.put("MESH_JWT_SECRET", JWT_SECRET);
    // Every simulated page connects from loopback: per-address limits meant for one browser per
    // address would
    // throttle the whole fleet. Tests of those limits (the attack suite) set their own.
    commonEnv.put("MESH_CONNECT_RATE_PER_ADDRESS", "1000000");
    commonEnv.put("MESH_CONNECT_BURST_PER_ADDRESS", "1000000");
    commonEnv.put("MESH_POST_RATE_PER_ADDRESS", "1000000");
    commonEnv.put("MESH_POST_BURST_PER_ADDRESS", "1000000");
  }

  /**
   * Replaces the JVM flags of every process started afterwards (default: {@code -Xmx256m
   * -XX:+UseSerialGC -XX:TieredStopAtLevel=1}).
   */
  public MeshProcesses withJvmFlags(List<String> flags) {
    List<String> all = new ArrayList<>(List.of("--add-modules", "java.se"));
    all.addAll(flags);
    jvmFlags = List.copyOf(all);
    return this;
  }

  /** Sets a variable for every process started afterwards. */
  public MeshProcesses withEnv(String name, String value) {
    commonEnv.put(name, value);
    return this;
  }

  public String clusterName() {
    return clusterName;
  }

  /**
   * The first port of a range no other group of this JVM holds and whose first ports are free now
   * (another JVM may hold a range too).
   */
  private static int allocatePortBase() {
    for (int attempt = 0; attempt < PORT_RANGES; attempt++) {
      int base =
          30_000 + Math.floorMod(NEXT_RANGE.getAndIncrement(), PORT_RANGES) * PORTS_PER_RANGE;
      if (portsFree(base, 10)) {
        return base;
      }
    }
    throw new IllegalStateException(
        "no free Hazelcast port range between 30000 and "
            + (30_000 + PORT_RANGES * PORTS_PER_RANGE - 1));
  }

  private static boolean portsFree(int from, int count) {
    for (int port = from; port < from + count; port++) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
      } catch (IOException inUse) {
        return false;
      }
    }
    return true;
  }

  /** First Hazelcast port of the group; a test JVM can join the cluster on the ports after it. */
  public int hazelcastPortBase() {
    return hazelcastPortBase;
  }

  /** Starts one service on free ports; does not wait for it to be ready. */
  public ServiceProcess start(ServiceKind kind, String name, Map<String, String> extraEnv) {
    // connection-service's public port, replay-service's HTTP publish API, presence-service's
    // read-only API: never a
    // fixed port that may be taken.
    return start(kind, name, extraEnv, List.of(), "127.0.0.1");
  }

  /**
   * Starts one service whose command line is prefixed by {@code wrapper} (e.g. {@code ip netns exec
   * <ns>}: a service in a network namespace of its own); its ops server must then listen on an
   * address this JVM can reach ({@code MESH_OPS_HOST} in {@code extraEnv}).
   */
  public ServiceProcess start(
      ServiceKind kind, String name, Map<String, String> extraEnv, List<String> wrapper) {
    return start(
        kind, name, extraEnv, wrapper, extraEnv.getOrDefault("MESH_OPS_HOST", "127.0.0.1"));
  }

  /**
   * Starts one service through {@code launcher} (e.g. {@code ip netns exec <namespace>}, a separate
   * host), its ops and HTTP ports reached at {@code host}; {@code extraEnv} must then bind them
   * there ({@code MESH_OPS_HOST} ...).
   */
  public ServiceProcess start(
      ServiceKind kind,
      String name,
      Map<String, String> extraEnv,
      List<String> launcher,
      String host) {
    return start(kind, name, extraEnv, launcher, host, freePort(), freePort());
  }

  /**
   * Starts a service again in place of one that has exited (a rolling restart): same kind,
   * variables and ports, so clients and balancers find it where it was. Its log is {@code
   * <name>.<n>.log}.
   */
  public ServiceProcess restart(ServiceProcess previous) {
    String name = previous.name().replaceAll("\\.\\d+$", "");
    long generation;
    synchronized (started) {
      generation = started.stream().filter(p -> p.name().startsWith(name)).count();
    }
    return start(
        previous.kind(),
        name + "." + generation,
        previous.extraEnv(),
        previous.wrapper(),
        previous.host(),
        previous.opsPort(),
        previous.httpPort());
  }

  private ServiceProcess start(
      ServiceKind kind,
      String name,
      Map<String, String> extraEnv,
      List<String> wrapper,
      String host,
      int opsPort,
      int httpPort) {
    Path jar = kind.jar(repoRoot);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build with mvn package first");
    }
    Path log = logDir.resolve(name + ".log");
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.putAll(commonEnv);
    env.put("MESH_OPS_PORT", Integer.toString(opsPort));
    env.put(
        switch (kind) {
          case REPLAY -> "MESH_REPLAY_HTTP_PORT";
          case PRESENCE -> "MESH_PRESENCE_HTTP_PORT";
          case CONNECTION -> "MESH_HTTP_PORT";
        },
        Integer.toString(httpPort));
    env.putAll(extraEnv);
    try {
      Files.createDirectories(logDir);
      ServiceProcess process =
          new ServiceProcess(
              name,
              kind,
              builder.start(),
              opsPort,
              httpPort,
              log,
              host,
              Map.copyOf(extraEnv),
              List.copyOf(wrapper));
      synchronized (started) {
        started.add(process);
      }
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  public ServiceProcess start(ServiceKind kind, String name) {
    return start(kind, name, Map.of());
  }

  /**
   * Polls until every process answers {@code /ready} with 200, or fails naming the ones that did
   * not.
   */
  public void awaitReady(Duration timeout, ServiceProcess... processes) {
    for (ServiceProcess process : processes) {
      await(
          timeout,
          () -> {
            if (!process.isAlive()) {
              throw new IllegalStateException(
                  process + " exited before ready:\n" + tail(process.logText()));
            }
            return process.readiness().map(ServiceProcess.Readiness::isReady).orElse(false);
          },
          process + " not ready within " + timeout);
    }
  }

  /**
   * Polls until {@code process} has joined the cluster (it may still wait for quorum): the first
   * member started this way is the oldest, the master.
   */
  public void awaitJoined(Duration timeout, ServiceProcess process) {
    await(
        timeout,
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(
                process + " exited before joining:\n" + tail(process.logText()));
          }
          String log = process.logText();
          return log.contains("event=waiting-for-quorum") || log.contains("event=ready");
        },
        process + " did not join within " + timeout);
  }

  /**
   * Polls {@code condition} every 50 ms until it holds or {@code timeout} passes: for conditions of
   * a process that publishes no event this JVM could wait on.
   */
  public static void await(Duration timeout, BooleanSupplier condition, String failure) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(failure);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting: " + failure);
      }
    }
  }

  private static String tail(String text) {
    String[] lines = text.split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
  }

  /** Every port this JVM has handed out: never given twice. */
  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A free port below the ephemeral range (32768+): a port picked there could be taken, before the
   * service binds it, by another process's outgoing connection or by an event bus listening on port
   * 0.
   */
  private static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int candidate = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
      // Free now is not enough: a port handed to a service that has not bound it yet looks free too
      // (two services of one run once drew the same port and the second failed with "Address
      // already in use").
      if (!HANDED_OUT.add(candidate)) {
        continue;
      }
      try (ServerSocket socket =
          new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port found in 20000-29999");
  }

  private void destroyAll() {
    synchronized (started) {
      started.forEach(ServiceProcess::destroyNow);
    }
  }

  @Override
  public void close() {
    destroyAll();
    synchronized (started) {
      started.forEach(p -> p.waitForExit(Duration.ofSeconds(10)));
    }
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down and the hook is running
    }
  }
}
