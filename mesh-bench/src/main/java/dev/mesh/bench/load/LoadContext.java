package dev.mesh.bench.load;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a scenario run needs: the options, the servers it may start and the fleet of pages it
 * drives.
 */
final class LoadContext {

  /** Pages one generator process is given before another is forked ({@code --generators 0}). */
  static final int PAGES_PER_GENERATOR = GeneratorProcess.DEFAULT_PAGES_PER_PROCESS;

  final LoadOptions options;
  final Path repo;

  LoadContext(LoadOptions options, Path repo) {
    this.options = options;
    this.repo = repo;
  }

  int n() {
    return options.n();
  }

  int events() {
    return options.events();
  }

  Path jfr() {
    return options.jfr();
  }

  /** Mesh with {@code nodes} connection nodes on the run's event-loop count. */
  Target.Mesh mesh(int nodes) {
    return mesh(nodes, options.loopCount(), Map.of());
  }

  Target.Mesh mesh(int nodes, int loops, Map<String, String> env) {
    return new Target.Mesh(repo, nodes, env, loops, options.presence());
  }

  Target.Raw raw() throws IOException {
    return new Target.Raw(options.loopCount());
  }

  Target.Raw raw(int loops) throws IOException {
    return new Target.Raw(loops);
  }

  Target.SocketIo socketIo() {
    return new Target.SocketIo(repo);
  }

  /**
   * The pages of one measurement, in as many processes as {@code pages} need (or as {@code
   * --generators} says).
   */
  Fleet fleet(int pages) {
    int processes =
        options.generators() > 0
            ? options.generators()
            : (pages + PAGES_PER_GENERATOR - 1) / PAGES_PER_GENERATOR;
    return new Fleet(
        MeshProcesses.JWT_SECRET,
        processes,
        repo.resolve("mesh-bench/target/load-logs/generators-" + System.currentTimeMillis()));
  }

  /** Files a server process needs beyond its sockets (jars, epoll, cluster and ops ports). */
  static final int SERVER_FILES_MARGIN = 600;

  /**
   * Fails before anything starts when one server process would have to hold more sockets than a
   * process may open here (the generator spreads its own sockets over processes; a server cannot).
   */
  void requireSocketsPerServer(String what, long sockets) {
    long limit = Machine.openFilesLimit();
    if (limit != Long.MAX_VALUE && sockets > limit - SERVER_FILES_MARGIN) {
      throw new IllegalArgumentException(
          String.format(
              java.util.Locale.ROOT,
              "%s would hold %,d sockets in one server process; a process may open %,d files here (about %,d sockets):"
                  + " use a smaller --n",
              what,
              sockets,
              limit,
              limit - SERVER_FILES_MARGIN));
    }
  }

  /** The browser client's timing without reconnects: pages of steady-state measurements. */
  static ClientPolicy steady() {
    return ClientPolicy.browser().withoutReconnect();
  }

  /** ~100 bytes of data on the wire: broadcast index, send time (µs, wall clock) and padding. */
  static JsonObject payload(int i) {
    return new JsonObject().put("i", i).put("t", PageClient.nowMicros()).put("pad", "x".repeat(60));
  }

  /**
   * {@link #payload(int)} tagged with the path it takes, so that interleaved broadcasts are told
   * apart ({@link Fleet#latencies(String)}).
   */
  static JsonObject payload(int i, String via) {
    return payload(i).put("via", via);
  }

  static <T> T await(Future<T> future, Duration timeout) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One measured target on its own line (the progress line on stderr ends with a carriage return,
   * not a newline).
   */
  static void print(JsonObject measured) {
    System.out.println(System.lineSeparator() + measured.encode());
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  static Double ratio(Double a, Double b) {
    return a == null || b == null || b == 0 ? null : round(a / b);
  }
}
