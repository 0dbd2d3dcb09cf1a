package dev.mesh.replay;

import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Test support: many requests with a bounded number in flight. */
final class Load {

  private Load() {}

  /**
   * Publishes every request through {@code client}, at most {@code window} in flight; results in
   * request order.
   */
  static Future<List<PublishResult>> publishAll(
      ReplayClient client, List<PublishRequest> requests, int window) {
    return run(requests, window, client::publish);
  }

  /** Runs {@code call} on every item, at most {@code window} in flight; results in item order. */
  static <T, R> Future<List<R>> run(List<T> items, int window, Function<T, Future<R>> call) {
    Object[] results = new Object[items.size()];
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int i = 0; i < Math.min(window, items.size()); i++) {
      lanes.add(lane(items, results, next, call));
    }
    return Future.all(lanes)
        .map(
            v -> {
              @SuppressWarnings("unchecked")
              List<R> list = (List<R>) Arrays.asList(results);
              return list;
            });
  }

  private static <T, R> Future<Void> lane(
      List<T> items, Object[] results, AtomicInteger next, Function<T, Future<R>> call) {
    int index = next.getAndIncrement();
    if (index >= items.size()) {
      return Future.succeededFuture();
    }
    return call.apply(items.get(index))
        .compose(
            result -> {
              results[index] = result;
              return lane(items, results, next, call);
            });
  }
}
