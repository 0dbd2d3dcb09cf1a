package dev.mesh.bench.chaos;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the chaos suite outside JUnit, at full scale by default, prints the table and appends it to
 * a Markdown file. Usage: {@code ChaosMain [small|full] [scenario numbers, e.g. 1,3,6] [--out
 * docs/bench/chaos.md]}. Exit status 1 when an invariant was violated.
 */
public final class ChaosMain {

  private ChaosMain() {}

  public static void main(String[] args) throws Exception {
    ChaosScale scale = ChaosScale.FULL;
    String only = "1,2,3,4,5,6,7,8,9";
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "small", "full" -> scale = ChaosScale.named(args[i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> only = args[i];
      }
    }
    Path repo = Path.of(System.getProperty("mesh.repo.root", ".")).toAbsolutePath().normalize();
    Vertx vertx = Vertx.vertx();
    ChaosEnv env = new ChaosEnv(repo, repo.resolve("mesh-bench/target/chaos-logs"), scale, vertx);
    List<ChaosResult> results = new ArrayList<>();
    EdgeGroup edge = null;
    try {
      for (String id : only.split(",", -1)) {
        if (id.isBlank()) {
          continue;
        }
        if (id.trim().equals("6") && PartitionScenario.unavailable() != null) {
          System.out.println("chaos: scenario 6 skipped: " + PartitionScenario.unavailable());
          continue;
        }
        Scenario scenario =
            switch (id.trim()) {
              case "1" -> new NodeKillScenario(env);
              case "2" -> new ReplayKillScenario(env);
              case "3" -> new HungNodeScenario(env);
              case "6" -> new PartitionScenario(env);
              case "7" -> new HungMasterScenario(env);
              case "8" -> new HungNodeScenario(env, true);
              case "9" -> new RollingRestartScenario(env);
              case "4", "5" -> {
                if (edge == null) {
                  edge = EdgeGroup.start(env);
                }
                yield id.trim().equals("4")
                    ? new SilentCutScenario(env, edge)
                    : new FuzzScenario(env, edge);
              }
              default -> throw new IllegalArgumentException("no scenario " + id);
            };
        System.out.println("chaos: running " + scenario.name() + " at " + scale.name() + " scale");
        ChaosResult result = scenario.run();
        results.add(result);
        System.out.println(ChaosResult.header() + "\n" + result.row());
      }
    } finally {
      if (edge != null) {
        edge.close();
      }
      vertx.close();
    }
    StringBuilder table =
        new StringBuilder("\n### Chaos run " + Instant.now() + " (" + scale.name() + " scale)\n\n")
            .append(ChaosResult.header())
            .append('\n');
    results.forEach(r -> table.append(r.row()).append('\n'));
    System.out.println(table);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(
          out,
          table,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    }
    System.exit(results.stream().allMatch(ChaosResult::passed) ? 0 : 1);
  }
}
