package dev.mesh.bench.load;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The load generator's command line, validated.
 *
 * @param scenario what to run (see {@link Scenarios})
 * @param n pages (connections) the scenario opens
 * @param events broadcasts or messages per page, where the scenario sends any
 * @param out where the result file and plots go
 * @param jfr where JFR recordings of the measured phases go; null: no profiling
 * @param rate requests per second of the direct scenario, publishes per second of the storm,
 *     broadcasts per second of the cross-node measurement; 0: the scenario's default ({@link
 *     #rateOr})
 * @param runs times the scenario runs (headline figures: median and spread); null: the scenario's
 *     default
 * @param warmups runs before the measured ones whose figures are left out of the headline (kept in
 *     the result file): the servers and forked generators start fresh in every run, but this
 *     process does not, and when it holds the pages itself its first run is measured with cold code
 *     (the first storm of every three-run set saw the kill 0.4-1.5 s later than the next ones)
 * @param loops event loops of every server measured (raw Vert.x and the Mesh edge alike); the
 *     fanout scenario takes a list and measures each; null: not given (the machine's cores; fanout:
 *     1,2)
 * @param generators processes holding the pages: 0 chooses from {@code n}, 1 is this process alone,
 *     2 or more forks that many generator processes
 * @param nodes connection nodes of the storm (one of them is killed); at least 2
 * @param companion whether each measured broadcast of the cross-node measurement has a companion
 *     publish on the other node ({@code --companion on}, the default; see {@link
 *     BroadcastScenario#measureHop})
 * @param sameNodeControl whether the cross-node measurement runs as its own control, both
 *     publishing pages on the subscribers' node ({@code --same-node-control on}; default off)
 * @param waves connect waves of idle and connect after the first, each of new pages once the
 *     previous wave's have closed (default 1); the later ones show whether a server's figure
 *     settles once its JIT has compiled what a connect runs
 * @param presence whether Mesh runs with a presence-service beside its connection nodes and
 *     replay-service ({@code --presence on}; default off, the topology of every earlier
 *     measurement): with it, the edge's connection events have their subscriber, as in a full
 *     deployment, and the edge pays for sending them instead of for finding nobody to send them to
 * @param args the arguments as given, for the result file
 */
record LoadOptions(
    String scenario,
    int n,
    int events,
    Path out,
    Path jfr,
    int rate,
    Integer runs,
    int warmups,
    List<Integer> loops,
    int generators,
    int nodes,
    boolean companion,
    boolean sameNodeControl,
    int waves,
    boolean presence,
    List<String> args) {

  static final String USAGE =
      "usage: mesh-bench/run load <scenario> [--n N] [--events M] [--runs R] [--warmup W]"
          + " [--loops L[,L2]] [--generators G] [--nodes K] [--out dir] [--jfr dir] [--rate R]"
          + " [--companion on|off] [--same-node-control on|off] [--waves W] [--presence on|off]\n  scenarios: "
          + String.join(" ", Scenarios.names());

  LoadOptions {
    if (n < 1) {
      throw new IllegalArgumentException("--n must be at least 1, was " + n);
    }
    if (events < 1) {
      throw new IllegalArgumentException("--events must be at least 1, was " + events);
    }
    if (rate < 0) {
      throw new IllegalArgumentException("--rate must be at least 1 per second, was " + rate);
    }
    if (runs != null && runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1, was " + runs);
    }
    if (warmups < 0) {
      throw new IllegalArgumentException("--warmup must be 0 or more, was " + warmups);
    }
    if (loops != null && (loops.isEmpty() || loops.stream().anyMatch(l -> l < 1))) {
      throw new IllegalArgumentException(
          "--loops takes event loop counts of at least 1, was " + loops);
    }
    if (generators < 0) {
      throw new IllegalArgumentException(
          "--generators must be 0 (automatic) or more, was " + generators);
    }
    if (nodes < 2) {
      throw new IllegalArgumentException(
          "--nodes must be at least 2 (one is killed), was " + nodes);
    }
    if (waves < 1) {
      throw new IllegalArgumentException("--waves must be at least 1, was " + waves);
    }
    loops = loops == null ? null : List.copyOf(loops);
    args = List.copyOf(args);
  }

  /** The same options without profiling: a warm-up run records nothing. */
  LoadOptions unprofiled() {
    return new LoadOptions(
        scenario,
        n,
        events,
        out,
        null,
        rate,
        runs,
        warmups,
        loops,
        generators,
        nodes,
        companion,
        sameNodeControl,
        waves,
        presence,
        args);
  }

  /** {@code --rate} when given, else the scenario's own default. */
  int rateOr(int scenarioDefault) {
    return rate > 0 ? rate : scenarioDefault;
  }

  /** The scenarios that take {@code --waves}. */
  static final List<String> WAVE_SCENARIOS = List.of("idle", "connect");

  /** The scenarios that honour {@code --rate} (what it paces: docs/bench/README.md). */
  static final List<String> PACED_SCENARIOS =
      List.of("idle", "connect", "broadcast", "compare", "crossnode", "direct", "storm");

  /**
   * The scenarios that measure the cross-node hop ({@code --companion}, {@code
   * --same-node-control}).
   */
  static final List<String> CROSS_NODE_SCENARIOS = List.of("broadcast", "compare", "crossnode");

  static LoadOptions parse(String[] argv, Path defaultOut) {
    if (argv.length == 0) {
      throw new IllegalArgumentException(USAGE);
    }
    String scenario = argv[0];
    int n = 1000;
    int events = 20;
    Path out = defaultOut;
    Path jfr = null;
    int rate = 0;
    Integer runs = null;
    int warmups = 0;
    List<Integer> loops = null;
    int generators = 0;
    int nodes = 2;
    boolean companion = true;
    boolean sameNodeControl = false;
    String crossNodeOption = null;
    int waves = 1;
    boolean wavesGiven = false;
    boolean presence = false;
    for (int i = 1; i < argv.length; i++) {
      String option = argv[i];
      if (i + 1 >= argv.length) {
        throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
      }
      String value = argv[++i];
      try {
        switch (option) {
          case "--n" -> n = Integer.parseInt(value);
          case "--events" -> events = Integer.parseInt(value);
          case "--out" -> out = Path.of(value);
          case "--jfr" -> jfr = Path.of(value);
          case "--rate" -> {
            rate = Integer.parseInt(value);
            if (rate < 1) {
              throw new IllegalArgumentException(
                  "--rate must be at least 1 per second, was " + rate);
            }
          }
          case "--runs" -> runs = Integer.parseInt(value);
          case "--warmup" -> warmups = Integer.parseInt(value);
          case "--loops" -> loops = parseList(value);
          case "--generators" -> generators = Integer.parseInt(value);
          case "--nodes" -> nodes = Integer.parseInt(value);
          case "--companion" -> {
            companion = onOff(option, value);
            crossNodeOption = option;
          }
          case "--waves" -> {
            waves = Integer.parseInt(value);
            wavesGiven = true;
          }
          case "--presence" -> presence = onOff(option, value);
          case "--same-node-control" -> {
            sameNodeControl = onOff(option, value);
            crossNodeOption = option;
          }
          default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " takes a number, was '" + value + "'");
      }
    }
    if (rate > 0 && Scenarios.names().contains(scenario) && !PACED_SCENARIOS.contains(scenario)) {
      // A pace the scenario would ignore must not be recorded in a result as if it had applied.
      throw new IllegalArgumentException(
          "--rate does not apply to "
              + scenario
              + ": only "
              + String.join(", ", PACED_SCENARIOS)
              + " take a pace");
    }
    if (wavesGiven && Scenarios.names().contains(scenario) && !WAVE_SCENARIOS.contains(scenario)) {
      throw new IllegalArgumentException(
          "--waves does not apply to "
              + scenario
              + ": only "
              + String.join(", ", WAVE_SCENARIOS)
              + " connect in waves");
    }
    if (crossNodeOption != null
        && Scenarios.names().contains(scenario)
        && !CROSS_NODE_SCENARIOS.contains(scenario)) {
      throw new IllegalArgumentException(
          crossNodeOption
              + " does not apply to "
              + scenario
              + ": only "
              + String.join(", ", CROSS_NODE_SCENARIOS)
              + " measure the cross-node hop");
    }
    return new LoadOptions(
        scenario,
        n,
        events,
        out,
        jfr,
        rate,
        runs,
        warmups,
        loops,
        generators,
        nodes,
        companion,
        sameNodeControl,
        waves,
        presence,
        List.of(argv));
  }

  private static boolean onOff(String option, String value) {
    return switch (value) {
      case "on" -> true;
      case "off" -> false;
      default ->
          throw new IllegalArgumentException(option + " takes on or off, was '" + value + "'");
    };
  }

  private static List<Integer> parseList(String value) {
    List<Integer> out = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      if (!part.isBlank()) {
        out.add(Integer.parseInt(part.trim()));
      }
    }
    return out;
  }

  /**
   * The one loop count of a scenario that compares servers at one count: the machine's cores unless
   * given.
   */
  int loopCount() {
    if (loops == null) {
      return Runtime.getRuntime().availableProcessors();
    }
    if (loops.size() != 1) {
      throw new IllegalArgumentException(
          "--loops takes one count for " + scenario + " (a list only for fanout), was " + loops);
    }
    return loops.get(0);
  }

  /** The exact command, as typed. */
  String command() {
    return "mesh-bench/run load " + String.join(" ", args);
  }
}
