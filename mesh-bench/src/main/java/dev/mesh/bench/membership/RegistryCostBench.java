package dev.mesh.bench.membership;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.registry.NodeConnections;
import dev.mesh.common.registry.PurgeNode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UserConnections;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What the registry's cluster-wide operations cost with many entries, before (a scan of every user)
 * and after (the node-id index): the ghost gauge (count of one node's connections), the purge of a
 * departed node, the repair's read of one node's entries, and the index's price on every
 * registration. Three members in this JVM (two data members, and a lite member that calls, as an
 * edge does); every registered user has one connection on one of {@value #NODES} nodes.
 *
 * <p>Usage: {@code RegistryCostBench [--entries 100000] [--out docs/bench/registry-index.md]}.
 */
public final class RegistryCostBench {

  static final int NODES = 20;
  private static final int REPEAT = 5;

  private RegistryCostBench() {}

  public static void main(String[] args) throws Exception {
    int entries = 100_000;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--entries" -> entries = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    int base = 16_000 + ThreadLocalRandom.current().nextInt(0, 50) * 20;
    ClusterOptions cluster =
        ClusterOptions.defaults()
            .withClusterName("registry-bench-" + UUID.randomUUID())
            .withPort(base)
            .withMembers(List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1)));
    List<MeshNode> nodes = new ArrayList<>();
    StringBuilder table = new StringBuilder();
    try {
      nodes.add(start(cluster));
      nodes.add(start(cluster));
      MeshNode edge = start(cluster.withLiteMember(true));
      nodes.add(edge);
      HazelcastInstance hz = edge.hazelcast();
      // The same map without the index, as a baseline for the write cost.
      MapConfig plain =
          new MapConfig("bench.registry.noindex")
              .setBackupCount(1)
              .setInMemoryFormat(Registry.mapConfig().getInMemoryFormat());
      nodes.get(0).hazelcast().getConfig().addMapConfig(plain);
      IMap<String, UserConnections> users = Registry.users(hz);
      IMap<String, UserConnections> noIndex = hz.getMap(plain.getName());

      // Warm-up (JIT, connections) on a scratch map, so that neither measured fill pays for it.
      System.out.println("registry bench: warming up");
      fill(hz.getMap("bench.registry.warmup"), Math.min(entries, 20_000));
      // Alternating rounds: on a shared machine the order of two single fills decided more than the
      // index did.
      long[] plainRounds = new long[3];
      long[] indexedRounds = new long[3];
      for (int round = 0; round < 3; round++) {
        System.out.println(
            "registry bench: round " + (round + 1) + " of 3, filling " + entries + " users twice");
        noIndex.clear();
        users.clear();
        plainRounds[round] = fill(noIndex, entries);
        indexedRounds[round] = fill(users, entries);
      }
      Arrays.sort(plainRounds);
      Arrays.sort(indexedRounds);
      long fillPlain = plainRounds[1];
      long fillIndexed = indexedRounds[1];
      table
          .append("\n### Registry operations with ")
          .append(entries)
          .append(" users, ")
          .append(Instant.now())
          .append("\n\nMachine: ")
          .append(Runtime.getRuntime().availableProcessors())
          .append(" cores, load average ")
          .append(Files.readString(Path.of("/proc/loadavg")).split(" ", -1)[0])
          .append("; 3 members in one JVM (2 data, 1 lite caller); ")
          .append(NODES)
          .append(" node ids, so ")
          .append(entries / NODES)
          .append(" users per node; median of ")
          .append(REPEAT)
          .append(
              " runs (registrations: of 3 alternating rounds).\n\n| operation | before: scan of every user | after: node-id index |\n|---|---:|---:|\n");
      table.append(row("register every user (entry processor, 1 backup)", fillPlain, fillIndexed));
      table.append(
          row(
              "ghost gauge: count one node's connections",
              median(
                  () ->
                      time(
                          () ->
                              noIndex.values().stream()
                                  .flatMap(u -> u.connections().stream())
                                  .filter(e -> e.nodeId().equals(nodeName(1)))
                                  .count())),
              median(
                  () ->
                      time(
                          () ->
                              users.aggregate(
                                  NodeConnections.count(nodeName(1)),
                                  Registry.onNode(nodeName(1)))))));
      table.append(
          row(
              "repair: read one node's entries",
              median(
                  () ->
                      time(
                          () ->
                              noIndex.values().stream()
                                  .flatMap(u -> u.connections().stream())
                                  .filter(e -> e.nodeId().equals(nodeName(2)))
                                  .count())),
              median(
                  () ->
                      time(
                          () ->
                              users
                                  .project(
                                      NodeConnections.entries(nodeName(2)),
                                      Registry.onNode(nodeName(2)))
                                  .size()))));
      int[] purged = {3, 3};
      table.append(
          row(
              "purge a departed node (" + entries / NODES + " entries removed)",
              median(
                  () ->
                      time(
                          () ->
                              noIndex
                                  .executeOnEntries(new PurgeNode(nodeName(purged[0]++)))
                                  .size())),
              median(
                  () ->
                      time(
                          () ->
                              users
                                  .executeOnEntries(
                                      new PurgeNode(nodeName(purged[1]++)),
                                      Registry.onNode(nodeName(purged[1] - 1)))
                                  .size()))));
      table.append(
          row(
              "presence reconciliation's read of the whole registry (unchanged)",
              median(() -> time(() -> users.entrySet().size())),
              -1));
      System.out.println(table);
      if (out != null) {
        Files.writeString(out, table, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    } finally {
      java.util.Collections.reverse(nodes);
      for (MeshNode node : nodes) {
        node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static MeshNode start(ClusterOptions options) throws Exception {
    return MeshCluster.start(options, null)
        .toCompletionStage()
        .toCompletableFuture()
        .get(2, TimeUnit.MINUTES);
  }

  static String nodeName(int n) {
    return "node-" + n;
  }

  /**
   * Registers every user through the registry's entry processor, 200 in flight; the elapsed
   * nanoseconds.
   */
  private static long fill(IMap<String, UserConnections> map, int entries) throws Exception {
    long started = System.nanoTime();
    List<java.util.concurrent.CompletableFuture<?>> window = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      String user = "user-" + i;
      ConnectionIdentity id =
          new ConnectionIdentity(user, "s", "t", "p" + i, "c" + i, nodeName(i % NODES));
      window.add(
          map.submitToKey(
                  user,
                  new RegisterConnection(
                      new RegistryEntry(id, Transport.WEBSOCKET, Instant.now()), 10, false))
              .toCompletableFuture());
      if (window.size() == 200) {
        java.util.concurrent.CompletableFuture.allOf(
                window.toArray(new java.util.concurrent.CompletableFuture[0]))
            .get(1, TimeUnit.MINUTES);
        window.clear();
      }
    }
    java.util.concurrent.CompletableFuture.allOf(
            window.toArray(new java.util.concurrent.CompletableFuture[0]))
        .get(1, TimeUnit.MINUTES);
    return System.nanoTime() - started;
  }

  /**
   * Where timed results go, so that the JIT cannot drop an operation whose result nobody reads.
   * Written, never read: that is its purpose (hence the suppression).
   */
  @SuppressWarnings("unused")
  private static volatile long sink;

  private static long time(LongSupplier operation) {
    long started = System.nanoTime();
    sink = operation.getAsLong();
    return System.nanoTime() - started;
  }

  private static long median(LongSupplier run) {
    long[] runs = new long[REPEAT];
    for (int i = 0; i < REPEAT; i++) {
      runs[i] = run.getAsLong();
    }
    Arrays.sort(runs);
    return runs[REPEAT / 2];
  }

  private static String row(String operation, long beforeNanos, long afterNanos) {
    return "| "
        + operation
        + " | "
        + ms(beforeNanos)
        + " | "
        + (afterNanos < 0 ? "-" : ms(afterNanos))
        + " |\n";
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }
}
