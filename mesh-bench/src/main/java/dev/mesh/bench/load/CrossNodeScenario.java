package dev.mesh.bench.load;

import dev.mesh.bench.load.Headlines.Figure;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * crossnode: only what crossing nodes adds to a broadcast ({@link BroadcastScenario#measureHop}),
 * without the other targets of {@code broadcast}.
 */
final class CrossNodeScenario implements Scenario {

  @Override
  public String description() {
    return "one event to N subscribers on one of two nodes, published on the other node and on"
        + " theirs, interleaved; what crossing adds";
  }

  @Override
  public JsonObject acrossRuns(List<JsonObject> runDetails) {
    return BroadcastScenario.pooledHopOfRuns(runDetails);
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    BroadcastScenario.hopGapMs(ctx);
    ctx.requireSocketsPerServer("crossnode (every subscriber on the second node)", ctx.n() + 2L);
    JsonObject hop = BroadcastScenario.measureHop(ctx, ctx.mesh(2));
    return new Run(new JsonObject().put("crossNodeHop", hop), figures(hop));
  }

  static List<Figure> figures(JsonObject hop) {
    // A control's figures must not read as the crossing's in a headline table.
    String control = hop.getBoolean("sameNodeControl", false) ? " [control: nothing crosses]" : "";
    return List.of(
        Figure.lower(
            "crossNodeAddedP50Ms",
            "cross-node broadcast: added p50 (published on the other node - on the subscribers' node)"
                + control,
            "ms",
            hop.getDouble("addedP50Ms")),
        Figure.lower(
            "crossNodeAddedP99Ms",
            "cross-node broadcast: added p99 (published on the other node - on the subscribers' node)"
                + control,
            "ms",
            hop.getDouble("addedP99Ms")),
        Figure.lower(
            "crossNodePairedAddedP50Ms",
            "cross-node broadcast: added p50, median over pairs of broadcasts" + control,
            "ms",
            hop.getDouble("pairedAddedP50Ms")),
        Figure.lower(
            "crossNodePairedAddedP99Ms",
            "cross-node broadcast: added p99, median over pairs of broadcasts" + control,
            "ms",
            hop.getDouble("pairedAddedP99Ms")));
  }
}
