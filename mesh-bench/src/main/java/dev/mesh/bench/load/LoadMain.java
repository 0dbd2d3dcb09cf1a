package dev.mesh.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The load generator's command line: {@code LoadMain <scenario> [options]} ({@link
 * LoadOptions#USAGE}). It runs the scenario ({@link Scenarios}: one class per scenario) {@code
 * --runs} times, each run starting its own servers as separate JVMs on loopback, with a live
 * progress line on stderr; then writes one JSON result (the machine, the exact command, every run's
 * details and the headline figures as median and spread) and its PNG plots to the output directory.
 * {@code LoadMain plot <result.json>...} redraws the plots of result files.
 */
public final class LoadMain {

  private LoadMain() {}

  public static void main(String[] args) {
    Path repo = Path.of(System.getProperty("mesh.repo.root", ".")).toAbsolutePath().normalize();
    int status;
    try {
      if (args.length > 0 && args[0].equals("plot")) {
        status = plot(args);
      } else {
        status = run(LoadOptions.parse(args, repo.resolve("docs/bench/results")), repo);
      }
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      status = 2;
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    }
    // Shutdown hooks kill whatever the run started (servers, generator processes) if it did not
    // stop them itself.
    System.exit(status);
  }

  private static int run(LoadOptions options, Path repo) throws Exception {
    Measured measured = measure(Scenarios.named(options.scenario()), options, repo);
    List<Path> plots = Plots.draw(measured.result(), options.out());
    System.out.println();
    System.out.println(table(measured.headline(), measured.runs()));
    System.out.println("result: " + measured.file());
    plots.forEach(p -> System.out.println("plot: " + p));
    return 0;
  }

  /** What {@link #measure} wrote: the result, its file, the headline and the measured runs. */
  record Measured(JsonObject result, Path file, List<Headlines.Aggregate> headline, int runs) {}

  /**
   * Runs the scenario's warm-ups (unprofiled, outside the headline) and then its measured runs,
   * writing the result file after each of them, so that a failure later keeps what was measured.
   */
  static Measured measure(Scenario scenario, LoadOptions options, Path repo) throws Exception {
    int runs = options.runs() != null ? options.runs() : scenario.defaultRuns();
    JsonObject result =
        new JsonObject()
            .put("scenario", options.scenario())
            .put("description", scenario.description())
            .put("n", options.n())
            .put("events", options.events())
            .put("command", options.command())
            .put("commit", SourceRevision.of(repo))
            .put(
                "options",
                new JsonObject()
                    .put("n", options.n())
                    .put("events", options.events())
                    .put("runs", runs)
                    .put("warmupRuns", options.warmups())
                    .put(
                        "eventLoops",
                        options.loops() == null
                            ? new JsonArray().add(options.loopCount())
                            : new JsonArray(new ArrayList<>(options.loops())))
                    .put(
                        "generators",
                        options.generators() == 0 ? "automatic" : options.generators())
                    .put("rate", options.rate() == 0 ? "scenario default" : options.rate())
                    .put("nodes", options.nodes())
                    .put("companion", options.companion())
                    .put("sameNodeControl", options.sameNodeControl())
                    .put("waves", options.waves())
                    .put("presence", options.presence())
                    .put("meshEnvironment", meshEnvironment(System.getenv())))
            .put("startedAt", Instant.now().toString())
            .put("machine", Machine.describe());
    List<List<Headlines.Figure>> figures = new ArrayList<>();
    JsonArray details = new JsonArray();
    JsonArray warmups = new JsonArray();
    result.put("warmups", warmups).put("runs", details).put("complete", false);
    Files.createDirectories(options.out());
    Path file =
        options
            .out()
            .resolve(
                options.scenario()
                    + "-"
                    + options.n()
                    + "-"
                    + Instant.now().toString().replace(":", "").substring(0, 15)
                    + ".json");
    for (int i = 1; i <= options.warmups(); i++) {
      JsonObject warmup =
          announce(
              "warmup", options.scenario() + " warm-up", i, options.warmups(), ", not measured");
      Scenario.Run discarded = scenario.run(new LoadContext(options.unprofiled(), repo));
      warmups.add(
          warmup
              .mergeIn(discarded.detail())
              .put("headline", Headlines.toJson(Headlines.aggregate(List.of(discarded.headline()))))
              .put("finishedAt", Instant.now().toString()));
      Files.writeString(file, result.encodePrettily() + "\n");
    }
    for (int i = 1; i <= runs; i++) {
      JsonObject run = announce("run", options.scenario() + " run", i, runs, "");
      Scenario.Run measured = scenario.run(new LoadContext(options, repo));
      run.mergeIn(measured.detail()).put("finishedAt", Instant.now().toString());
      details.add(run);
      figures.add(measured.headline());
      JsonObject acrossRuns =
          scenario.acrossRuns(details.stream().map(JsonObject.class::cast).toList());
      if (acrossRuns != null) {
        result.put("acrossRuns", acrossRuns);
      }
      // Written after every run: a failure in run 3 of a long measurement keeps runs 1 and 2.
      result
          .put("headline", Headlines.toJson(Headlines.aggregate(figures)))
          .put("complete", i == runs)
          .put("finishedAt", Instant.now().toString());
      Files.writeString(file, result.encodePrettily() + "\n");
    }
    return new Measured(result, file, Headlines.aggregate(figures), runs);
  }

  /** Prints the start of run {@code i} of {@code of} and begins its entry in the result file. */
  private static JsonObject announce(String field, String what, int i, int of, String note) {
    double load = Machine.loadAverage();
    System.err.printf(
        Locale.ROOT, "%n== %s %d of %d%s (load average %.2f)%n", what, i, of, note, load);
    return new JsonObject()
        .put(field, i)
        .put("startedAt", Instant.now().toString())
        .put("loadAverageAtStart", load);
  }

  /** Names of settings whose values a result file (kept in the repository) must not show. */
  private static final Pattern SECRET_NAME =
      Pattern.compile(".*(SECRET|KEY|TOKEN|PASSWORD|COOKIE|CREDENTIAL).*");

  /**
   * The {@code MESH_*} settings of this process's environment, which the servers it starts inherit:
   * a run with {@code MESH_ADMISSION_MAX_IN_FLIGHT=1500} says so in its result file. Secrets are
   * named but not shown.
   */
  static JsonObject meshEnvironment(Map<String, String> env) {
    JsonObject out = new JsonObject();
    new TreeMap<>(env)
        .forEach(
            (name, value) -> {
              if (name.startsWith("MESH_")) {
                out.put(name, SECRET_NAME.matcher(name).matches() ? "(set, not shown)" : value);
              }
            });
    return out;
  }

  /** The headline figures, one per line: median [min - max] over the runs. */
  static String table(List<Headlines.Aggregate> headline, int runs) {
    StringBuilder out =
        new StringBuilder(
            runs > 1 ? "headline (median [min - max] of " + runs + " runs):\n" : "headline:\n");
    int width = headline.stream().mapToInt(a -> a.first().label().length()).max().orElse(10);
    for (Headlines.Aggregate a : headline) {
      out.append(
          String.format(Locale.ROOT, "  %-" + width + "s  %s%n", a.first().label(), a.text()));
    }
    return out.toString();
  }

  /**
   * {@code plot <result.json>... [--out dir]}: redraws the plots of result files (next to each file
   * by default).
   */
  private static int plot(String[] args) throws Exception {
    Path out = null;
    List<Path> files = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        out = Path.of(args[++i]);
      } else {
        files.add(Path.of(args[i]));
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("usage: mesh-bench/run plot <result.json>... [--out dir]");
    }
    for (Path file : files) {
      JsonObject result = new JsonObject(Files.readString(file));
      Path dir = out != null ? out : file.toAbsolutePath().getParent();
      List<Path> written = Plots.draw(result, dir);
      if (written.isEmpty()) {
        System.out.println(file + ": no plottable series");
      }
      written.forEach(p -> System.out.println("plot: " + p));
    }
    return 0;
  }
}
