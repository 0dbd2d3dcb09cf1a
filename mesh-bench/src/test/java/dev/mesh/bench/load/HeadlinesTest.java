package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.load.Headlines.Aggregate;
import dev.mesh.bench.load.Headlines.Figure;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Headline figures: median of the runs with the spread")
class HeadlinesTest {

  private static List<Figure> run(Double p99, Double rate) {
    return List.of(
        Figure.lower("p99", "resumed p99", "s", p99),
        Figure.higher("rate", "admission", "1/s", rate));
  }

  @Test
  @DisplayName("three runs: the middle value, min and max, every run kept")
  void medianOfThree() {
    List<Aggregate> a =
        Headlines.aggregate(List.of(run(9.0, 800.0), run(7.5, 950.0), run(12.0, 700.0)));
    assertThat(a).hasSize(2);
    assertThat(a.get(0).median()).isEqualTo(9.0);
    assertThat(a.get(0).min()).isEqualTo(7.5);
    assertThat(a.get(0).max()).isEqualTo(12.0);
    assertThat(a.get(0).values()).containsExactly(9.0, 7.5, 12.0);
    assertThat(a.get(1).median()).isEqualTo(800.0);
    assertThat(a.get(1).text()).isEqualTo("800.00 1/s [700.00 - 950.00]");
  }

  @Test
  @DisplayName(
      "a run that could not measure a latency is worse than any number: the median is the worse good run")
  void notMeasured() {
    List<Aggregate> a =
        Headlines.aggregate(List.of(run(9.0, 800.0), run(null, null), run(7.0, 900.0)));
    assertThat(a.get(0).median()).isEqualTo(9.0);
    assertThat(a.get(0).min()).isEqualTo(7.0);
    assertThat(a.get(0).max()).isNull();
    assertThat(a.get(0).text()).isEqualTo("9.00 s [7.00 - n/a]");
    // For a rate the missing run is the low end.
    assertThat(a.get(1).median()).isEqualTo(800.0);
    assertThat(a.get(1).min()).isNull();
    assertThat(a.get(1).max()).isEqualTo(900.0);
    assertThat(a.get(0).toJson().getLong("notMeasuredIn")).isEqualTo(1);
  }

  @Test
  @DisplayName("when most runs could not measure it, the median is not a number either")
  void mostlyNotMeasured() {
    List<Aggregate> a = Headlines.aggregate(List.of(run(null, 1.0), run(null, 2.0), run(7.0, 3.0)));
    assertThat(a.get(0).median()).isNull();
    assertThat(a.get(0).min()).isEqualTo(7.0);
  }

  @Test
  @DisplayName(
      "NaN and infinities are not measurements; one run is its own median; an even count averages the middle")
  void edges() {
    assertThat(Figure.lower("k", "l", "u", Double.NaN).value()).isNull();
    List<Aggregate> one = Headlines.aggregate(List.of(run(4.0, 5.0)));
    assertThat(one.get(0).median()).isEqualTo(4.0);
    assertThat(one.get(0).text()).isEqualTo("4.00 s");
    List<Aggregate> two = Headlines.aggregate(List.of(run(4.0, 5.0), run(6.0, 7.0)));
    assertThat(two.get(0).median()).isEqualTo(5.0);
  }
}
