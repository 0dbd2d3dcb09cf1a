package dev.mesh.common.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.CompletionStage;

/**
 * Hazelcast's futures as Vert.x futures completed on a context, handed over in one step.
 *
 * <p>{@code Future.fromCompletionStage(stage, context)} registers a plain {@code whenComplete},
 * which Hazelcast runs on its async executor (a pool thread, {@link HazelcastCallbacks}); that
 * thread then hands the result to the context. Here the thread that completes Hazelcast's future
 * (its partition or response thread) queues the result on the context itself: one thread hand-off
 * fewer per call, on paths that make one call per connect (the registry write) or per publish (the
 * history write). Nothing runs on Hazelcast's thread but the queueing.
 */
public final class ClusterFutures {

  private ClusterFutures() {}

  /** {@code stage}'s outcome, completed on {@code context}'s thread. */
  public static <T> Future<T> on(Context context, CompletionStage<T> stage) {
    Promise<T> promise = ((ContextInternal) context).promise();
    stage.whenCompleteAsync(
        (value, failure) -> {
          if (failure == null) {
            promise.complete(value);
          } else {
            promise.fail(failure);
          }
        },
        task -> context.runOnContext(ignored -> task.run()));
    return promise.future();
  }
}
