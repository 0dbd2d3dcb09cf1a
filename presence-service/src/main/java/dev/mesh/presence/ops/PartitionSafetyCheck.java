package dev.mesh.presence.ops;

import dev.mesh.common.launch.ServiceContext;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

/**
 * Reports on {@code /ready} whether the partitions are safe as this member sees them ({@code
 * MeshNode#partitionsSafeHere}: no partition migrating, the backups of what it owns in sync). Only
 * when every data member says so does presence's state survive the loss of one more member, so a
 * rolling restart waits for {@code "safe": true} before stopping the next member. It informs and
 * does not gate (migrations follow every join and leave; presence keeps serving meanwhile). Each
 * call checks only here: a probe polled often must not run a check on every member's Hazelcast
 * operation threads.
 */
public final class PartitionSafetyCheck {

  private PartitionSafetyCheck() {}

  public static void register(ServiceContext context) {
    var node = context.node();
    context
        .readiness()
        .ready()
        .register(
            "partitions",
            3_000,
            promise ->
                node.vertx()
                    .executeBlocking(node::partitionsSafeHere, false)
                    .onComplete(
                        safe ->
                            promise.complete(
                                Status.OK(
                                    new JsonObject()
                                        .put("safe", safe.succeeded() && safe.result())))));
  }
}
