package dev.mesh.common.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Measures how late the event loops run: a timer due every {@link #INTERVAL} records, when it
 * fires, how long after its due time it ran ({@code mesh_event_loop_delay_seconds}, a histogram
 * with a recent maximum). A loop busy with a long task, a blocked handler or a GC pause delays
 * every socket it serves by as much. Deploy it with {@link #deploymentOptions()}: one instance per
 * event loop, each on its own loop.
 */
public final class EventLoopDelayProbe extends VerticleBase {

  /**
   * The meter's name in Micrometer's notation ({@code mesh_event_loop_delay_seconds} in
   * Prometheus).
   */
  public static final String METER = "mesh.event.loop.delay";

  /** How often each loop is sampled. */
  public static final Duration INTERVAL = Duration.ofMillis(100);

  private final Timer delay;
  private long dueNanos;
  private long timerId = -1;
  private boolean stopped;

  public EventLoopDelayProbe(MeterRegistry registry) {
    this.delay =
        Timer.builder(METER)
            .description(
                "How late a timer due every " + INTERVAL.toMillis() + " ms ran on an event loop")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
  }

  /**
   * One instance per event loop of a Vert.x built with default options: instances of one deployment
   * get event-loop contexts in turn, so each loop gets one (unless another deployment starts at the
   * same moment).
   */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setInstances(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE);
  }

  @Override
  public Future<?> start() {
    schedule();
    return Future.succeededFuture();
  }

  private void schedule() {
    dueNanos = System.nanoTime() + INTERVAL.toNanos();
    timerId =
        vertx.setTimer(
            INTERVAL.toMillis(),
            id -> {
              delay.record(Math.max(0, System.nanoTime() - dueNanos), TimeUnit.NANOSECONDS);
              if (!stopped) {
                schedule();
              }
            });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }
}
