package dev.mesh.bench.load;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.client.SocketIoPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Every simulated page of a measurement, in this process or spread over forked generator processes
 * ({@link GeneratorProcess}) when one process cannot hold them all: a group of N pages is split
 * into contiguous index ranges, one per generator, and every group command goes to all of them at
 * once, results merged. Publishers and other single pages the scenario drives itself live in this
 * process. A progress line (open, messages per second, errors, summed over the generators) is
 * printed on stderr every second.
 */
final class Fleet implements AutoCloseable {

  private final PageHost local;
  private final List<GeneratorProcess> generators = new ArrayList<>();
  private final ExecutorService calls =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fleet-call");
            t.setDaemon(true);
            return t;
          });
  private final ScheduledExecutorService progress =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fleet-progress");
            t.setDaemon(true);
            return t;
          });
  private final String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
  private final List<PageClient> publishers = new ArrayList<>();
  private final List<SocketIoPage> socketIoPublishers = new ArrayList<>();
  private final BenchTokens localTokens;
  private volatile String label = "";
  private long lastReceived;

  /**
   * @param processes 1: every page in this process; 2 or more: pages in that many forked generators
   * @param logDir where forked generators write their stderr
   */
  Fleet(String secret, int processes, Path logDir) {
    local = new PageHost(run, secret);
    localTokens = new BenchTokens(local.vertx(), secret);
    try {
      for (int i = 0; processes > 1 && i < processes; i++) {
        generators.add(GeneratorProcess.start(i, run, secret, logDir));
      }
      if (!generators.isEmpty()) {
        // Each fork is up once it answers.
        all(i -> new JsonObject().put("op", "stats"), Duration.ofSeconds(60));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    // Ends with the executor (close()).
    var unused = progress.scheduleAtFixedRate(this::printProgress, 1, 1, TimeUnit.SECONDS);
  }

  /** The process ids of the forked generators (none when the pages are in this process). */
  List<Long> generatorPids() {
    return generators.stream().map(GeneratorProcess::pid).toList();
  }

  /** How many processes hold the pages (1: this one). */
  int processes() {
    return Math.max(1, generators.size());
  }

  void label(String label) {
    this.label = label;
  }

  String userId(String prefix, int index) {
    return local.userId(prefix, index);
  }

  // ----------------------------------------------------------------------------------------------
  // groups

  /**
   * Creates {@code count} pages for {@code target} in group {@code group} (Mesh pages for Mesh and
   * the raw baseline, Socket.IO pages for Socket.IO), not started. Page {@code i} first connects to
   * {@code endpoints[i % size]}.
   */
  void create(String group, Target target, int count, ClientPolicy policy, String channel) {
    create(
        group,
        target.speaksSocketIo() ? "socketio" : "mesh",
        target.endpoints(),
        count,
        policy,
        channel,
        false);
  }

  /**
   * Creates {@code count} Mesh pages subscribed to {@code channel} that connect only to {@code
   * endpoints} (a subset of a cluster's nodes), not started.
   */
  void createOn(
      String group, List<Endpoint> endpoints, int count, ClientPolicy policy, String channel) {
    create(group, "mesh", endpoints, count, policy, channel, false);
  }

  /** Creates {@code count} Mesh pages each subscribed to its own {@code user:<id>} channel. */
  void createUserPages(String group, List<Endpoint> endpoints, int count, ClientPolicy policy) {
    create(group, "mesh", endpoints, count, policy, null, true);
  }

  private void create(
      String group,
      String kind,
      List<Endpoint> endpoints,
      int count,
      ClientPolicy policy,
      String channel,
      boolean userChannel) {
    JsonArray eps = new JsonArray();
    endpoints.forEach(e -> eps.add(new JsonArray().add(e.host()).add(e.port())));
    int hosts = processes();
    all(
        h ->
            new JsonObject()
                .put("op", "create")
                .put("group", group)
                .put("kind", kind)
                .put("prefix", group)
                .put("from", from(count, hosts, h))
                .put("count", from(count, hosts, h + 1) - from(count, hosts, h))
                .put("endpoints", eps)
                .put("policy", policy == null ? null : PageHost.policyToJson(policy))
                .put("channel", channel)
                .put("userChannel", userChannel),
        Duration.ofMinutes(2));
  }

  private static int from(int count, int hosts, int h) {
    return (int) ((long) count * h / hosts);
  }

  /**
   * Process {@code h}'s part of a total split over {@code processes}: the parts add up to the total
   * (800 a second over 3 processes is 266 + 267 + 267, not 3 x 266), and none is below 1, since 0
   * would mean "unpaced" to a generator.
   */
  static int share(int total, int processes, int h) {
    return Math.max(1, from(total, processes, h + 1) - from(total, processes, h));
  }

  /**
   * Starts the group with at most {@code concurrency} pages opening at once over all the processes
   * (each takes its {@link #share}); returns failures.
   */
  int start(String group, int concurrency, Duration timeout) {
    return start(group, concurrency, 0, timeout);
  }

  /**
   * {@link #start(String, int, Duration)}, opening at most {@code perSecond} pages a second over
   * all the processes (0: as fast as the servers take them).
   */
  int start(String group, int concurrency, int perSecond, Duration timeout) {
    int processes = processes();
    return all(
            h ->
                new JsonObject()
                    .put("op", "start")
                    .put("group", group)
                    .put("concurrency", share(concurrency, processes, h))
                    .put("perSecond", perSecond == 0 ? 0 : share(perSecond, processes, h))
                    .put("timeoutMs", timeout.toMillis()),
            timeout.plusSeconds(30))
        .stream()
        .mapToInt(r -> r.getInteger("failed"))
        .sum();
  }

  /** Closes every page of {@code group} for good, on every process, and forgets the group. */
  void stop(String group) {
    all(h -> new JsonObject().put("op", "stopGroup").put("group", group), Duration.ofMinutes(2));
  }

  /**
   * Open pages, deliveries since the last {@link #mark()}, errors, {@code events} frames (history
   * batches) received: summed over the processes.
   */
  JsonObject stats() {
    long received = 0;
    int open = 0;
    int errors = 0;
    long batches = 0;
    JsonObject errorCodes = new JsonObject();
    for (JsonObject s : all(h -> new JsonObject().put("op", "stats"), Duration.ofSeconds(30))) {
      open += s.getInteger("open");
      received += s.getLong("received");
      errors += s.getInteger("errors");
      batches += s.getLong("eventBatches", 0L);
      JsonObject codes = s.getJsonObject("errorCodes", new JsonObject());
      codes.forEach(
          e ->
              errorCodes.put(
                  e.getKey(),
                  errorCodes.getInteger(e.getKey(), 0) + ((Number) e.getValue()).intValue()));
    }
    return new JsonObject()
        .put("open", open)
        .put("received", received)
        .put("errors", errors)
        .put("errorCodes", errorCodes)
        .put("eventBatches", batches);
  }

  long received() {
    return stats().getLong("received");
  }

  /** Starts a measured phase: latencies, spreads and deliveries from zero on every process. */
  void mark() {
    all(h -> new JsonObject().put("op", "mark"), Duration.ofSeconds(30));
  }

  /** Every delivery latency (µs) since the last mark, over all processes, sorted. */
  long[] latencies() {
    return latencies(null);
  }

  /**
   * The delivery latencies (µs) since the last mark of the events whose data was tagged {@code via}
   * ({@link LoadContext#payload(int, String)}), every one when null; over all processes, sorted.
   */
  long[] latencies(String via) {
    List<JsonObject> parts =
        all(h -> new JsonObject().put("op", "latencies").put("via", via), Duration.ofMinutes(2));
    int size = parts.stream().mapToInt(p -> p.getJsonArray("samples").size()).sum();
    long[] out = new long[size];
    int i = 0;
    for (JsonObject p : parts) {
      for (Object v : p.getJsonArray("samples")) {
        out[i++] = ((Number) v).longValue();
      }
    }
    Arrays.sort(out);
    return out;
  }

  /**
   * Per broadcast index: deliveries and the latency of its last delivery (µs), merged over the
   * processes.
   */
  Map<Integer, long[]> spread() {
    Map<Integer, long[]> out = new TreeMap<>();
    for (JsonObject part : all(h -> new JsonObject().put("op", "spread"), Duration.ofSeconds(60))) {
      for (String key : part.fieldNames()) {
        JsonArray s = part.getJsonArray(key);
        long[] merged = out.computeIfAbsent(Integer.parseInt(key), k -> new long[2]);
        merged[0] += s.getLong(0);
        merged[1] = Math.max(merged[1], s.getLong(1));
      }
    }
    return out;
  }

  /** Waits until {@code expected} deliveries arrived since the last mark; false on timeout. */
  boolean awaitDelivered(long expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (received() < expected) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** Runs {@code op} with {@code args} on every process of the pages and returns the answers. */
  List<JsonObject> call(String op, JsonObject args, Duration timeout) {
    return all(h -> args.copy().put("op", op), timeout);
  }

  /** Sends a command built per process and waits for every answer. */
  private List<JsonObject> all(IntFunction<JsonObject> command, Duration timeout) {
    List<CompletableFuture<JsonObject>> answers = new ArrayList<>();
    if (generators.isEmpty()) {
      JsonObject c = command.apply(0);
      answers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return local.handle(c);
                } catch (Exception e) {
                  throw new IllegalStateException(e.getMessage(), e);
                }
              },
              calls));
    } else {
      for (int h = 0; h < generators.size(); h++) {
        answers.add(generators.get(h).call(command.apply(h)));
      }
    }
    List<JsonObject> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (CompletableFuture<JsonObject> a : answers) {
      try {
        out.add(a.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "no answer within " + timeout + " to " + command.apply(0).getString("op"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------------
  // own pages

  /** A page in this process (a publisher), started by the caller; stopped with the fleet. */
  PageClient publisher(String name, int index, List<Endpoint> endpoints, ClientPolicy policy) {
    String user = userId(name, index);
    String token = localTokens.token(user);
    PageClient page =
        new PageClient(
            local.vertx(),
            localClient(index),
            user,
            "s" + index,
            "t" + index,
            "p" + index,
            () -> token,
            endpoints,
            0,
            policy);
    synchronized (publishers) {
      publishers.add(page);
    }
    return page;
  }

  /** A Socket.IO page in this process (the Socket.IO baseline's publisher). */
  SocketIoPage socketIoPublisher(String name, Endpoint endpoint) {
    String user = userId(name, 0);
    String token = localTokens.token(user);
    SocketIoPage page =
        new SocketIoPage(local.vertx(), localClient(0), user, () -> token, endpoint, null);
    synchronized (socketIoPublishers) {
      socketIoPublishers.add(page);
    }
    return page;
  }

  private WebSocketClient localClient(int index) {
    return local
        .vertx()
        .createWebSocketClient(
            new WebSocketClientOptions()
                .setLocalAddress(
                    PageHost.SOURCE_ADDRESSES.get(index % PageHost.SOURCE_ADDRESSES.size()))
                .setClosingTimeout(2)
                .setConnectTimeout(20_000));
  }

  Vertx vertx() {
    return local.vertx();
  }

  // ----------------------------------------------------------------------------------------------
  // progress

  private void printProgress() {
    try {
      JsonObject s = generators.isEmpty() ? local.stats() : sumOfLastStats();
      long received = s.getLong("received");
      long rate = Math.max(0, received - lastReceived);
      lastReceived = received;
      System.err.printf(
          Locale.ROOT,
          "\r[%s] open %d  msgs/s %d  errors %d%s      ",
          label,
          s.getInteger("open"),
          rate,
          s.getInteger("errors"),
          generators.isEmpty() ? "" : "  (" + generators.size() + " generators)");
    } catch (RuntimeException e) {
      // a progress line is not worth failing a run
    }
  }

  private JsonObject sumOfLastStats() {
    long received = 0;
    int open = 0;
    int errors = 0;
    for (GeneratorProcess g : generators) {
      JsonObject s = g.lastStats();
      open += s.getInteger("open", 0);
      received += s.getLong("received", 0L);
      errors += s.getInteger("errors", 0);
    }
    return new JsonObject().put("open", open).put("received", received).put("errors", errors);
  }

  @Override
  public void close() {
    progress.shutdownNow();
    System.err.println();
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (publishers) {
      publishers.forEach(p -> stops.add(p.stop()));
    }
    synchronized (socketIoPublishers) {
      socketIoPublishers.forEach(p -> stops.add(p.stop()));
    }
    try {
      Future.join(stops).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    // Every generator is asked to stop at once, then killed if it did not.
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (GeneratorProcess g : generators) {
      closing.add(CompletableFuture.runAsync(g::close, calls));
    }
    closing.forEach(CompletableFuture::join);
    local.close();
    calls.shutdownNow();
  }
}
