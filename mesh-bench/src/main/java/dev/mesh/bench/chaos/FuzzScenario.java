package dev.mesh.bench.chaos;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.client.RawWebSocket;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ProcStats;
import io.vertx.core.net.NetClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 5: fuzzed frames at a running node for a bounded time: random bytes (binary and as
 * text), truncated UTF-8, huge and deeply nested JSON, valid shapes with wrong types, reserved
 * opcodes, stray continuations. The node must not crash, its memory must stay bounded, and the
 * healthy pages on it must not notice (no close, nothing lost or doubled). Fuzzing connections are
 * closed by the server (abuse strikes 4502, oversize 1009, protocol errors) and come back.
 */
public final class FuzzScenario extends Scenario {

  /** RSS growth allowed over the run (JIT, buffers and history of the fuzzed channel). */
  private static final long RSS_BOUND_BYTES = 256L << 20;

  private final EdgeGroup edge;
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();
  private final Map<Integer, AtomicLong> closes = new ConcurrentHashMap<>();
  private final List<Object> keep = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean fuzzing = true;

  public FuzzScenario(ChaosEnv env, EdgeGroup edge) {
    super(env);
    this.edge = edge;
  }

  @Override
  public String name() {
    return "5 fuzzed frames";
  }

  @Override
  public ChaosResult run() throws Exception {
    long pid = edge.node.pid();
    try (Traffic traffic = new Traffic(env.vertx(), MeshProcesses.JWT_SECRET, "chaos:fuzz")) {
      int pages = Math.max(2, scale.subscribers() / 4);
      Traffic.get(
          traffic.subscribers(pages, List.of(edge.endpoint), pagePolicy()), Duration.ofSeconds(60));
      Traffic.get(
          traffic.publishers(1, List.of(edge.endpoint), pagePolicy()), Duration.ofSeconds(30));
      Map<PageClient, Integer> closesAtStart = traffic.closeMark();
      traffic.startPublishing(scale.ratePerPublisher(), 50);
      sleep(Duration.ofSeconds(1));
      long rssBefore = ProcStats.rssBytes(pid);
      double heapBefore = heap();
      long rssMax = rssBefore;
      double heapMax = heapBefore;

      BenchTokens tokens = new BenchTokens(env.vertx(), MeshProcesses.JWT_SECRET);
      NetClient net = env.vertx().createNetClient();
      keep.add(net);
      for (int i = 0; i < scale.fuzzers(); i++) {
        fuzzer(net, tokens.token("fuzz-" + i), i);
      }
      long end = System.nanoTime() + scale.fuzzFor().toNanos();
      while (System.nanoTime() < end && edge.node.isAlive()) {
        rssMax = Math.max(rssMax, ProcStats.rssBytes(pid));
        heapMax = Math.max(heapMax, heap());
        sleep(Duration.ofMillis(500));
      }
      fuzzing = false;
      traffic.stopPublishing();
      boolean acknowledged =
          Traffic.await(Duration.ofSeconds(30), () -> traffic.unacknowledged() == 0);
      boolean caughtUp = Traffic.await(Duration.ofSeconds(30), traffic::caughtUp);
      Traffic.Tally tally = traffic.tally();
      long rssAfter = ProcStats.rssBytes(pid);
      boolean healthy = edge.node.getOps("/health").map(r -> r.statusCode() == 200).orElse(false);
      String log = edge.node.logText();

      check(edge.node.isAlive() && healthy, "the node crashed or stopped answering /health");
      check(!log.contains("OutOfMemoryError"), "OutOfMemoryError in the node's log");
      check(rssMax - rssBefore <= RSS_BOUND_BYTES, "RSS grew by " + mib(rssMax - rssBefore));
      check(frames.get() > 0, "no fuzzed frame was sent");
      check(
          acknowledged && caughtUp && tally.lost() == 0,
          tally.lost() + " events lost by healthy pages");
      check(tally.duplicates() == 0, tally.duplicates() + " duplicates at healthy pages");
      String healthyClosed = Traffic.closedSince(closesAtStart);
      check(healthyClosed.isEmpty(), "a healthy page was closed: " + healthyClosed);

      Map<Integer, Long> closeCounts = new TreeMap<>();
      closes.forEach((code, count) -> closeCounts.put(code, count.get()));
      String detection =
          String.format(
              Locale.ROOT,
              "%d fuzzed frames on %d connections, server closes %s; node RSS %s -> max %s"
                  + " -> %s, heap max %s; 0 crashes",
              frames.get(),
              connections.get(),
              closeCounts,
              mib(rssBefore),
              mib(rssMax),
              mib(rssAfter),
              mib((long) heapMax));
      return ChaosResult.of(
          name(),
          pages
              + " pages + 1 publisher x "
              + (int) scale.ratePerPublisher()
              + "/s + "
              + scale.fuzzers()
              + " fuzzers",
          "fuzzed frames for " + scale.fuzzFor().toSeconds() + " s",
          tally,
          detection,
          violations);
    } finally {
      fuzzing = false;
    }
  }

  private void fuzzer(NetClient net, String token, int index) {
    if (!fuzzing) {
      return;
    }
    connections.incrementAndGet();
    RawWebSocket.upgrade(net, edge.endpoint, token, "session=f&tab=f&page=fuzz" + index, false)
        .onFailure(e -> env.vertx().setTimer(200, t -> fuzzer(net, token, index)))
        .onSuccess(
            ws -> {
              keep.add(ws);
              long timer =
                  env.vertx()
                      .setPeriodic(
                          25,
                          t -> {
                            if (!fuzzing || ws.ended()) {
                              env.vertx().cancelTimer(t);
                              return;
                            }
                            frames.incrementAndGet();
                            send(ws);
                          });
              ws.onEnd(
                  () -> {
                    env.vertx().cancelTimer(timer);
                    keep.remove(ws);
                    closes.computeIfAbsent(ws.closeCode(), c -> new AtomicLong()).incrementAndGet();
                    env.vertx().setTimer(100, t -> fuzzer(net, token, index));
                  });
            });
  }

  private static void send(RawWebSocket ws) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    switch (random.nextInt(10)) {
      case 0 -> ws.frame(RawWebSocket.BINARY, bytes(random.nextInt(1, 2048)), true);
      case 1 -> ws.frame(RawWebSocket.TEXT, bytes(random.nextInt(1, 512)), true);
      case 2 -> {
        byte[] valid =
            "{\"type\":\"publish\",\"id\":\"m1\",\"channel\":\"fuzz:a\",\"data\":\"\u00e9\u20ac\ud83d\ude00\"}"
                .getBytes(StandardCharsets.UTF_8);
        ws.frame(
            RawWebSocket.TEXT,
            java.util.Arrays.copyOf(valid, valid.length - random.nextInt(3, 8)),
            true);
      }
      case 3 ->
          ws.text(
              "{\"type\":\"publish\",\"id\":\"big\",\"channel\":\"fuzz:a\",\"data\":\""
                  + "x".repeat(random.nextBoolean() ? 60_000 : 200_000)
                  + "\"}");
      case 4 -> {
        int depth = random.nextBoolean() ? 65 : 50_000;
        ws.text("{\"type\":\"ping\",\"id\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
      }
      case 5 -> ws.text(WRONG_TYPES.get(random.nextInt(WRONG_TYPES.size())));
      case 6 -> ws.frame(3 + random.nextInt(5), bytes(random.nextInt(0, 64)), true);
      case 7 -> ws.frame(0x0, bytes(random.nextInt(1, 64)), random.nextBoolean());
      case 8 -> ws.text("{\"type\":\"" + Long.toString(random.nextLong(), 36) + "\"}");
      default ->
          ws.text(
              "{\"type\":\"subscribe\",\"id\":\"s"
                  + random.nextInt(1000)
                  + "\",\"channel\":\"fuzz:"
                  + random.nextInt(500)
                  + "\"}");
    }
  }

  private static final List<String> WRONG_TYPES =
      List.of(
          "{\"type\":\"subscribe\",\"id\":5,\"channel\":[\"x\"]}",
          "{\"type\":\"publish\",\"id\":\"m2\",\"channel\":123,\"data\":null}",
          "{\"type\":\"ack\",\"channel\":\"c\",\"seq\":\"ten\"}",
          "{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"c\",\"position\":{\"epoch\":5,\"seq\":-1}}",
          "{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"c\",\"position\":{\"epoch\":\"e\",\"seq\":1e300}}",
          "{\"type\":123}",
          "{\"type\":null}",
          "[]",
          "\"text\"",
          "42",
          "null",
          "{}",
          "{\"type\":\"refresh\",\"id\":\"r\",\"token\":42}",
          "{\"type\":\"ping\",\"id\":{\"a\":1}}",
          "{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"user:someone-else\"}",
          "{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"c\",\"presence\":\"yes\",\"info\":[1,2]}",
          "{\"type\":\"unsubscribe\",\"id\":\"u\",\"channel\":\"never\"}",
          "{\"type\":\"publish\",\"id\":\"" + "i".repeat(300) + "\",\"channel\":\"c\",\"data\":1}");

  private static byte[] bytes(int length) {
    byte[] bytes = new byte[length];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  private double heap() {
    return SilentCutScenario.metric(edge.node, "jvm_memory_used_bytes", "area=\"heap\"");
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }
}
