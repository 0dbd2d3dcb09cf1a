package dev.mesh.bench.load;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One load scenario: what one run measures, its details for the result file and its headline
 * figures.
 */
interface Scenario {

  /** One line for the usage text and the result file. */
  String description();

  /**
   * Runs when {@code --runs} is not given: 3 where the figures are headlines (median and spread),
   * else 1.
   */
  default int defaultRuns() {
    return 3;
  }

  /** Runs once: starts its servers and pages, measures, stops them all. */
  Run run(LoadContext context) throws Exception;

  /**
   * Figures of the measured runs taken together, for the result file ({@code acrossRuns}), where a
   * median of per-run figures is not the best the set can say; null (the default) when none.
   */
  default JsonObject acrossRuns(List<JsonObject> runDetails) {
    return null;
  }

  /**
   * What one run gives.
   *
   * @param detail everything measured, for the result file (and what the plots are drawn from)
   * @param headline the figures aggregated over runs
   */
  record Run(JsonObject detail, List<Headlines.Figure> headline) {}
}
