package dev.mesh.common.client;

import dev.mesh.common.config.Env;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.routing.SendResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * README's "Integrating over the event bus" example, compiled with the tests: {@link
 * MeshBusReadmeTest} checks that README quotes the region between the markers exactly.
 */
final class MeshBusExample {

  private MeshBusExample() {}

  static Future<SendResult> run() {
    // readme:start
    // Joins as a lite member with MESH_CLUSTER_NAME, MESH_CLUSTER_MEMBERS, ... (the services' own
    // variables).
    return MeshBus.join(MeshBusOptions.fromEnv(Env.system()))
        .compose(
            mesh ->
                mesh.publish(
                        "chat:lobby",
                        "order-42",
                        new JsonObject().put("text", "order 42 shipped"),
                        false)
                    .compose(published -> mesh.presence("alice"))
                    .compose(
                        alice ->
                            alice.status() == PresenceStatus.ONLINE
                                ? mesh.sendToUser(
                                    "alice",
                                    "dm-42",
                                    new JsonObject().put("text", "your order shipped"),
                                    false)
                                : Future.succeededFuture(null))
                    .eventually(mesh::close));
    // readme:end
  }
}
