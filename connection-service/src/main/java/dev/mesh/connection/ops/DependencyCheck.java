package dev.mesh.connection.ops;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.launch.ServiceContext;
import dev.mesh.common.status.ServiceStatus;
import dev.mesh.common.status.StatusQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.Map;

/**
 * Reports on {@code /ready} whether presence-service and replay-service answer across the cluster.
 * It informs and does not gate: an edge node keeps its sockets when a dependency is briefly away
 * (clients keep being served and catch up through replay), so readiness stays UP with {@code
 * "degraded": true}.
 */
public final class DependencyCheck {

  static final Duration TIMEOUT = Duration.ofSeconds(1);
  private static final Map<String, String> DEPENDENCIES =
      Map.of(
          "presence-service", Addresses.PRESENCE_STATUS,
          "replay-service", Addresses.REPLAY_STATUS);

  private DependencyCheck() {}

  public static void register(ServiceContext context) {
    BusClient bus = new BusClient(context.node().vertx());
    String self = context.node().nodeId();
    context
        .readiness()
        .ready()
        .register(
            "dependencies",
            3_000,
            promise -> {
              JsonObject report = new JsonObject();
              Future<?>[] asks =
                  DEPENDENCIES.entrySet().stream()
                      .map(
                          dependency ->
                              bus.request(
                                      dependency.getValue(),
                                      new StatusQuery(self),
                                      ServiceStatus.class,
                                      TIMEOUT)
                                  .map(
                                      status ->
                                          new JsonObject()
                                              .put("status", "UP")
                                              .put("nodeId", status.nodeId())
                                              .put("version", status.version()))
                                  .otherwise(
                                      e ->
                                          new JsonObject()
                                              .put("status", "DOWN")
                                              .put("error", e.getMessage()))
                                  .onSuccess(result -> report.put(dependency.getKey(), result)))
                      .toArray(Future[]::new);
              Future.join(java.util.List.of(asks))
                  .onComplete(
                      done -> {
                        boolean degraded =
                            report.stream()
                                .anyMatch(
                                    e ->
                                        !"UP"
                                            .equals(
                                                ((JsonObject) e.getValue()).getString("status")));
                        promise.complete(Status.OK(report.put("degraded", degraded)));
                      });
            });
  }
}
