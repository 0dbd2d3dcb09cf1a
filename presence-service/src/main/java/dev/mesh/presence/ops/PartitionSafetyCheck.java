package dev.mesh.presence.ops;

import dev.mesh.common.launch.ServiceContext;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

/**
 * Reports on {@code /ready} whether the cluster is safe: no partition migrating, every backup in sync. Only then does
 * presence's state survive the loss of one more member, so a rolling restart waits for {@code "safe": true} before
 * stopping the next member. It informs and does not gate (migrations follow every join and leave; presence keeps
 * serving meanwhile).
 */
public final class PartitionSafetyCheck {

  private PartitionSafetyCheck() {
  }

  public static void register(ServiceContext context) {
    var node = context.node();
    context.readiness().ready().register("partitions", 3_000, promise -> node.vertx()
        .executeBlocking(() -> node.isClusterJoined() && node.hazelcast().getPartitionService().isClusterSafe(), false)
        .onComplete(safe -> promise.complete(Status.OK(new JsonObject()
            .put("safe", safe.succeeded() && safe.result())))));
  }
}
