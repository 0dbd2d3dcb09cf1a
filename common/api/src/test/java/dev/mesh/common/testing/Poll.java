package dev.mesh.common.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * For tests: waits until a condition holds, checking it every 50 ms on a timer thread, and fails
 * with {@code what} when it does not hold within the timeout. For state that publishes no event
 * (Hazelcast's view, its split-brain protection state), where there is nothing else to await.
 */
public final class Poll {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "test-poll");
            thread.setDaemon(true);
            return thread;
          });

  private Poll() {}

  /**
   * Blocks the calling (test) thread until {@code condition} holds; a condition that throws counts
   * as not yet.
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition)
      throws Exception {
    CompletableFuture<Void> held = new CompletableFuture<>();
    var check =
        TIMER.scheduleWithFixedDelay(
            () -> {
              try {
                if (condition.getAsBoolean()) {
                  held.complete(null);
                }
              } catch (RuntimeException | AssertionError e) {
                // not yet
              }
            },
            0,
            50,
            TimeUnit.MILLISECONDS);
    try {
      held.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + ": not within " + timeout.toMillis() + " ms");
    } finally {
      check.cancel(false);
    }
  }
}
