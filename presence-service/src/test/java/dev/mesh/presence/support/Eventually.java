package dev.mesh.presence.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Awaiting conditions without sleeping a thread: re-ask on a Vert.x timer until the answer
 * satisfies the check.
 */
public final class Eventually {

  private static final long EVERY_MILLIS = 50;

  private Eventually() {}

  public static <T> Future<T> poll(
      Vertx vertx, Supplier<Future<T>> ask, Predicate<T> done, Duration timeout) {
    Promise<T> promise = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    AtomicReference<Object> last = new AtomicReference<>();
    Runnable[] attempt = new Runnable[1];
    attempt[0] =
        () ->
            ask.get()
                .onComplete(
                    answer -> {
                      if (answer.succeeded() && done.test(answer.result())) {
                        promise.tryComplete(answer.result());
                      } else if (System.nanoTime() > deadline) {
                        last.set(answer.succeeded() ? answer.result() : answer.cause());
                        promise.tryFail(
                            new AssertionError(
                                "condition not met within "
                                    + timeout
                                    + "; last answer: "
                                    + last.get()));
                      } else {
                        vertx.setTimer(EVERY_MILLIS, id -> attempt[0].run());
                      }
                    });
    attempt[0].run();
    return promise.future();
  }

  /**
   * Lets {@code window} pass on a timer, to observe that nothing more happens (a duplicate event
   * would arrive within it). Only used after the awaited events proved the deadline in question has
   * passed.
   */
  public static Future<Void> quiet(Vertx vertx, Duration window) {
    return vertx.timer(window.toMillis()).mapEmpty();
  }
}
