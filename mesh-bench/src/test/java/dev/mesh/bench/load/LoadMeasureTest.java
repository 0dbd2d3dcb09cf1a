package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Load runs: warm-ups outside the headline, unprofiled, and a result file after each")
class LoadMeasureTest {

  @TempDir Path out;

  /** Counts its runs; each gives its number as its one figure, and fails when told to. */
  private static final class Counting implements Scenario {
    final List<Path> profiledInto = new ArrayList<>();
    final int failOnRun;

    Counting(int failOnRun) {
      this.failOnRun = failOnRun;
    }

    @Override
    public String description() {
      return "counts its runs";
    }

    @Override
    public Run run(LoadContext context) {
      int number = profiledInto.size() + 1;
      profiledInto.add(context.jfr());
      if (number == failOnRun) {
        throw new IllegalStateException("run " + number + " failed");
      }
      return new Run(
          new JsonObject().put("runNumber", number),
          List.of(Headlines.Figure.lower("number", "run number", "", (double) number)));
    }
  }

  private LoadOptions options(String... extra) {
    List<String> args =
        new ArrayList<>(List.of("storm", "--out", out.toString(), "--jfr", "/tmp/jfr"));
    args.addAll(List.of(extra));
    return LoadOptions.parse(args.toArray(String[]::new), out);
  }

  @Test
  @DisplayName(
      "one warm-up then two runs: the headline is runs 2 and 3, the warm-up has no profile")
  void warmupsAreLeftOutOfTheHeadline() throws Exception {
    Counting scenario = new Counting(0);

    LoadMain.Measured measured =
        LoadMain.measure(scenario, options("--warmup", "1", "--runs", "2"), out);

    assertThat(scenario.profiledInto)
        .as("the warm-up records no profile, the measured runs do")
        .containsExactly(null, Path.of("/tmp/jfr"), Path.of("/tmp/jfr"));
    assertThat(measured.headline())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.values()).containsExactly(2.0, 3.0);
              assertThat(a.median()).isEqualTo(2.5);
            });
    JsonObject written = new JsonObject(Files.readString(measured.file()));
    assertThat(written.getBoolean("complete")).isTrue();
    assertThat(written.getJsonObject("options").getInteger("warmupRuns")).isEqualTo(1);
    // The cross-node settings are in the options, not only in the command line.
    assertThat(written.getJsonObject("options").getBoolean("companion")).isTrue();
    assertThat(written.getJsonObject("options").getBoolean("sameNodeControl")).isFalse();
    // So are the connect waves and the topology.
    assertThat(written.getJsonObject("options").getInteger("waves")).isEqualTo(1);
    assertThat(written.getJsonObject("options").getBoolean("presence")).isFalse();
    JsonArray warmups = written.getJsonArray("warmups");
    assertThat(warmups.size()).isEqualTo(1);
    assertThat(warmups.getJsonObject(0).getInteger("runNumber"))
        .as("the warm-up's detail is kept")
        .isEqualTo(1);
    assertThat(
            warmups.getJsonObject(0).getJsonArray("headline").getJsonObject(0).getDouble("median"))
        .isEqualTo(1.0);
    assertThat(written.getJsonArray("runs").stream().map(r -> ((JsonObject) r).getInteger("run")))
        .containsExactly(1, 2);
  }

  @Test
  @DisplayName("a run that fails after a warm-up leaves a file with the warm-up, marked incomplete")
  void aFailureKeepsTheWarmup() throws Exception {
    Counting scenario = new Counting(2);

    assertThatThrownBy(() -> LoadMain.measure(scenario, options("--warmup", "1"), out))
        .hasMessageContaining("run 2 failed");

    try (var files = Files.list(out)) {
      Path file = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
      JsonObject written = new JsonObject(Files.readString(file));
      assertThat(written.getBoolean("complete")).isFalse();
      assertThat(written.getJsonArray("warmups").getJsonObject(0).getInteger("runNumber"))
          .isEqualTo(1);
      assertThat(written.getJsonArray("runs").isEmpty()).isTrue();
    }
  }

  @Test
  @DisplayName("the MESH_ settings the servers inherit are recorded, secrets by name only")
  void meshEnvironmentIsRecordedWithoutSecrets() {
    JsonObject env =
        LoadMain.meshEnvironment(
            Map.of(
                "MESH_ADMISSION_MAX_IN_FLIGHT", "1500",
                "MESH_JWT_SECRET", "s3cr3t",
                "MESH_SERVER_API_TOKEN", "t0k3n",
                "HOME", "/root"));

    assertThat(env.getMap())
        .containsExactly(
            Map.entry("MESH_ADMISSION_MAX_IN_FLIGHT", "1500"),
            Map.entry("MESH_JWT_SECRET", "(set, not shown)"),
            Map.entry("MESH_SERVER_API_TOKEN", "(set, not shown)"));
  }
}
