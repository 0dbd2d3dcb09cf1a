package dev.mesh.bench.load;

import dev.mesh.bench.load.Headlines.Figure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * compare: idle + connect and broadcast against raw Vert.x, Mesh on one and two nodes and Socket.IO
 * in one run, with the ratios of the issues' targets computed within the run (the same machine
 * state for every server).
 */
final class CompareScenario implements Scenario {

  @Override
  public String description() {
    return "idle + connect + broadcast for raw Vert.x, Mesh 1 and 2 nodes, Socket.IO, with the ratios;"
        + " then the cross-node hop (as crossnode)";
  }

  @Override
  public JsonObject acrossRuns(List<JsonObject> runDetails) {
    return BroadcastScenario.pooledHopOfRuns(runDetails);
  }

  @Override
  public Run run(LoadContext ctx) throws Exception {
    // A --rate the cross-node hop cannot use is refused now, not after the other targets.
    BroadcastScenario.hopGapMs(ctx);
    ctx.requireSocketsPerServer(
        "compare (raw Vert.x, Mesh on one node and Socket.IO; the cross-node hop)",
        ctx.n() + Math.max(Math.min(1000, ctx.n() / 4) + 1L, 2L));
    // Unpaced: compare's --rate is the cross-node measurement's broadcasts a second.
    JsonObject rawIdle = ConnectIdleScenario.measure(ctx, ctx.raw(), 0);
    JsonObject meshIdle = ConnectIdleScenario.measure(ctx, ctx.mesh(1), 0);
    JsonObject ioIdle = ConnectIdleScenario.measure(ctx, ctx.socketIo(), 0);
    JsonObject rawCast = BroadcastScenario.measure(ctx, ctx.raw());
    JsonObject meshCast = BroadcastScenario.measure(ctx, ctx.mesh(1));
    JsonObject meshCast2 = BroadcastScenario.measure(ctx, ctx.mesh(2));
    JsonObject ioCast = BroadcastScenario.measure(ctx, ctx.socketIo());
    JsonObject hop = BroadcastScenario.measureHop(ctx, ctx.mesh(2));
    List<Figure> figures = new ArrayList<>(ConnectIdleScenario.figures(meshIdle, rawIdle, ioIdle));
    figures.addAll(BroadcastScenario.figures(rawCast, meshCast, meshCast2, ioCast, hop));
    JsonObject ratios = new JsonObject();
    for (Figure f : figures) {
      if (f.unit().equals("x")) {
        ratios.put(f.key(), f.value());
      }
    }
    JsonObject detail =
        new JsonObject()
            .put(
                "targets",
                new JsonArray()
                    .add(rawIdle)
                    .add(meshIdle)
                    .add(ioIdle)
                    .add(rawCast)
                    .add(meshCast)
                    .add(meshCast2)
                    .add(ioCast))
            .put("crossNodeHop", hop)
            .put("ratios", ratios);
    return new Run(detail, figures);
  }
}
