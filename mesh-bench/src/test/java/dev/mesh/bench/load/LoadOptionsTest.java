package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Load generator command line: defaults, lists, clear errors")
class LoadOptionsTest {

  private static LoadOptions parse(String... args) {
    return LoadOptions.parse(args, Path.of("out"));
  }

  @Test
  @DisplayName(
      "defaults: 1,000 pages, 20 events, runs from the scenario, loops = cores, automatic generators")
  void defaults() {
    LoadOptions o = parse("storm");
    assertThat(o.n()).isEqualTo(1000);
    assertThat(o.events()).isEqualTo(20);
    assertThat(o.runs()).isNull();
    assertThat(o.warmups()).as("no warm-up unless asked").isZero();
    assertThat(o.loops()).isNull();
    assertThat(o.loopCount()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(o.generators()).isZero();
    assertThat(o.nodes()).isEqualTo(2);
    assertThat(o.waves()).as("one connect wave after the first").isEqualTo(1);
    assertThat(o.command()).isEqualTo("mesh-bench/run load storm");
    assertThat(Scenarios.named("storm").defaultRuns()).isEqualTo(3);
    assertThat(Scenarios.named("direct").defaultRuns()).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "every option is read, the command is kept as typed, fanout takes a list of loop counts")
  void options() {
    LoadOptions o =
        parse(
            "fanout",
            "--n",
            "20000",
            "--runs",
            "5",
            "--loops",
            "1,2,4",
            "--generators",
            "3",
            "--events",
            "7");
    assertThat(o.n()).isEqualTo(20000);
    assertThat(o.runs()).isEqualTo(5);
    assertThat(o.loops()).containsExactly(1, 2, 4);
    assertThat(o.generators()).isEqualTo(3);
    assertThat(o.command())
        .isEqualTo(
            "mesh-bench/run load fanout --n 20000 --runs 5 --loops 1,2,4 --generators 3"
                + " --events 7");
    assertThatThrownBy(o::loopCount).hasMessageContaining("one count");
    assertThat(parse("compare", "--loops", "2").loopCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("--rate overrides each scenario's own default rate; without it the default holds")
  void rateFallsBackToTheScenarioDefault() {
    assertThat(parse("storm").rateOr(StormScenario.DEFAULT_PUBLISHES_PER_SECOND)).isEqualTo(2);
    assertThat(parse("direct").rateOr(DirectScenario.DEFAULT_RATE)).isEqualTo(100);
    assertThat(parse("storm", "--rate", "10").rateOr(StormScenario.DEFAULT_PUBLISHES_PER_SECOND))
        .isEqualTo(10);
    assertThat(parse("crossnode").rateOr(BroadcastScenario.DEFAULT_HOP_BROADCASTS_PER_SECOND))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("--rate on a scenario that takes no pace is refused, naming those that do")
  void rateRefusedWhereItWouldBeIgnored() {
    for (String scenario : Scenarios.names()) {
      if (LoadOptions.PACED_SCENARIOS.contains(scenario)) {
        assertThat(parse(scenario, "--rate", "5").rate()).as(scenario).isEqualTo(5);
      } else {
        assertThatThrownBy(() -> parse(scenario, "--rate", "5"))
            .as(scenario)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("--rate does not apply to " + scenario)
            .hasMessageContaining("idle, connect");
      }
    }
    assertThat(parse("publish").rate()).isZero();
  }

  @Test
  @DisplayName("--companion and --same-node-control are refused outside the cross-node measurement")
  void crossNodeOptionsRefusedElsewhere() {
    for (String scenario : Scenarios.names()) {
      for (String option : List.of("--companion", "--same-node-control")) {
        if (LoadOptions.CROSS_NODE_SCENARIOS.contains(scenario)) {
          LoadOptions on = parse(scenario, option, "on");
          LoadOptions off = parse(scenario, option, "off");
          boolean companionOption = option.equals("--companion");
          assertThat(companionOption ? on.companion() : on.sameNodeControl())
              .as(scenario + " " + option + " on")
              .isTrue();
          assertThat(companionOption ? off.companion() : off.sameNodeControl())
              .as(scenario + " " + option + " off")
              .isFalse();
        } else {
          assertThatThrownBy(() -> parse(scenario, option, "on"))
              .as(scenario + " " + option)
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining(option + " does not apply to " + scenario);
        }
      }
    }
  }

  @Test
  @DisplayName("the cross-node measurement has a companion publish unless --companion off")
  void companionIsOnUnlessTurnedOff() {
    assertThat(parse("crossnode").companion()).isTrue();
    assertThat(parse("crossnode", "--companion", "on").companion()).isTrue();
    assertThat(parse("crossnode", "--companion", "off").companion()).isFalse();
  }

  @Test
  @DisplayName(
      "the cross-node measurement runs as its own control only with --same-node-control on")
  void sameNodeControlIsOffUnlessTurnedOn() {
    assertThat(parse("crossnode").sameNodeControl()).isFalse();
    assertThat(parse("crossnode", "--same-node-control", "off").sameNodeControl()).isFalse();
    assertThat(parse("crossnode", "--same-node-control", "on").sameNodeControl()).isTrue();
  }

  @Test
  @DisplayName("Mesh runs without a presence-service unless --presence on, in every scenario")
  void presenceIsOffUnlessTurnedOn() {
    for (String scenario : Scenarios.names()) {
      assertThat(parse(scenario).presence()).as(scenario).isFalse();
      assertThat(parse(scenario, "--presence", "off").presence()).as(scenario).isFalse();
      assertThat(parse(scenario, "--presence", "on").presence()).as(scenario).isTrue();
    }
  }

  @Test
  @DisplayName("--warmup is read and kept in the command; unprofiled() drops only the profile")
  void warmupRunsAreUnprofiled() {
    // Every option a value of its own, so that two fields swapped in unprofiled() would show.
    LoadOptions o =
        parse(
            "crossnode",
            "--warmup",
            "1",
            "--jfr",
            "/tmp/j",
            "--runs",
            "3",
            "--n",
            "7",
            "--events",
            "5",
            "--rate",
            "9",
            "--loops",
            "4",
            "--generators",
            "6",
            "--nodes",
            "8",
            "--companion",
            "off",
            "--same-node-control",
            "on",
            "--presence",
            "on",
            "--out",
            "/tmp/o");
    assertThat(o.warmups()).isEqualTo(1);
    assertThat(o.presence()).isTrue();
    assertThat(o.runs()).isEqualTo(3);
    assertThat(o.companion()).isFalse();
    assertThat(o.sameNodeControl()).isTrue();
    assertThat(o.jfr()).isEqualTo(Path.of("/tmp/j"));
    assertThat(o.command())
        .startsWith("mesh-bench/run load crossnode --warmup 1 --jfr /tmp/j --runs 3");
    LoadOptions warmup = o.unprofiled();
    assertThat(warmup.jfr()).isNull();
    assertThat(warmup).usingRecursiveComparison().ignoringFields("jfr").isEqualTo(o);
  }

  @Test
  @DisplayName("--waves is taken by idle and connect, refused elsewhere, kept by unprofiled()")
  void wavesOnlyWhereTheScenarioConnectsInWaves() {
    for (String scenario : Scenarios.names()) {
      if (LoadOptions.WAVE_SCENARIOS.contains(scenario)) {
        LoadOptions o = parse(scenario, "--waves", "4", "--jfr", "/tmp/j");
        assertThat(o.waves()).as(scenario).isEqualTo(4);
        assertThat(o.unprofiled().waves()).isEqualTo(4);
      } else {
        assertThatThrownBy(() -> parse(scenario, "--waves", "2"))
            .as(scenario)
            .hasMessageContaining("--waves does not apply to " + scenario)
            .hasMessageContaining("idle, connect");
      }
    }
    assertThat(LoadOptions.WAVE_SCENARIOS).isSubsetOf(Scenarios.names());
  }

  @Test
  @DisplayName("bad input is refused with a message naming the option")
  void errors() {
    for (List<String> bad :
        List.of(
            List.of("storm", "--n", "0"),
            List.of("storm", "--runs", "0"),
            List.of("storm", "--warmup", "-1"),
            List.of("storm", "--loops", "0"),
            List.of("storm", "--nodes", "1"),
            List.of("storm", "--n", "ten"),
            List.of("storm", "--generators", "-1"),
            List.of("storm", "--rate", "0"),
            List.of("idle", "--waves", "0"),
            List.of("storm", "--waves", "2"),
            List.of("crossnode", "--companion", "yes"),
            List.of("crossnode", "--same-node-control", "1"),
            List.of("connect", "--presence", "yes"),
            List.of("storm", "--bogus", "1"),
            List.of("storm", "--n"))) {
      assertThatThrownBy(() -> parse(bad.toArray(String[]::new)))
          .as(String.join(" ", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.get(1));
    }
    assertThatThrownBy(() -> Scenarios.named("nope")).hasMessageContaining("unknown scenario nope");
  }
}
