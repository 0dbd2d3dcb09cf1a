package dev.mesh.common.launch;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.observe.LogContext;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@link MeshService}: in a test with {@link #start}, or as a process with {@link #run}.
 */
public final class ServiceLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceLauncher.class);

  /** Exit status when the configuration is invalid. */
  public static final int EXIT_BAD_CONFIG = 2;

  /** Exit status when the service could not start (cluster, port in use, ...). */
  public static final int EXIT_START_FAILED = 1;

  /** Longest the exit waits for buffered spans to be exported (MESH_TRACING=otlp). */
  private static final java.time.Duration TRACE_FLUSH_TIMEOUT = java.time.Duration.ofSeconds(5);

  private ServiceLauncher() {}

  /**
   * Joins the cluster, deploys the service's verticles then its ops server, and marks it ready. The
   * returned service rejoins the cluster by itself when its membership cannot be trusted any more
   * (see {@link RunningService}).
   */
  public static Future<RunningService> start(MeshService service) {
    RunningService running = new RunningService(service);
    return running.startFirst().map(v -> running);
  }

  /** A failed start, with the departure from the cluster it set off. */
  static final class StartFailure extends RuntimeException {
    final transient CompletableFuture<Void> left;

    StartFailure(Throwable cause, CompletableFuture<Void> left) {
      super(cause.getMessage(), cause);
      this.left = left;
    }
  }

  /**
   * Keeps the process alive until it is told to stop (a signal, the parent's exit, {@code
   * System.exit}), whatever threads the service has at a given moment. A rejoin closes Vert.x and
   * Hazelcast, whose threads kept the JVM alive, and a forced leave continues on a daemon timer
   * thread: without this the JVM could end normally between two incarnations, and did so at full
   * scale (chaos scenario 8, an edge rejoining after a forced leave).
   */
  static Thread keepProcessAlive() {
    Thread keeper =
        new Thread(
            () -> {
              try {
                new java.util.concurrent.CountDownLatch(1).await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "mesh-keep-alive");
    keeper.setDaemon(false);
    keeper.start();
    return keeper;
  }

  /**
   * When started by a supervisor (the {@code mesh} run script, an end-to-end test), stop when it
   * dies, even by {@code kill -9}, so that no service outlives the thing that started it. The exit
   * runs the shutdown hook.
   */
  private static void exitWithParent(String parentPid) {
    if (parentPid == null || parentPid.isBlank()) {
      return;
    }
    try {
      ProcessHandle.of(Long.parseLong(parentPid.trim()))
          .ifPresentOrElse(
              parent -> {
                // Nothing waits on this stage: the process ends in it.
                var unused =
                    parent
                        .onExit()
                        .thenRun(
                            () -> {
                              LOG.warn("event=parent-exited pid={}: stopping", parentPid);
                              System.exit(0);
                            });
              },
              () -> System.exit(0));
    } catch (NumberFormatException e) {
      LOG.warn("event=bad-parent-pid value={}", parentPid);
    }
  }

  /**
   * The body of a service's {@code main}: builds the service from configuration (an invalid value
   * ends the process with a clear message and status {@value #EXIT_BAD_CONFIG}), starts it, and
   * stops it gracefully on SIGTERM.
   */
  public static void run(Supplier<MeshService> configured) {
    MeshService service;
    try {
      service = configured.get();
    } catch (ConfigException e) {
      System.err.println("mesh: " + e.getMessage());
      System.exit(EXIT_BAD_CONFIG);
      return;
    }
    // One service per process: lines from threads no node owns (Hazelcast's) carry its name and
    // node too.
    LogContext.processService(service.name());
    RunningService running;
    try {
      running = start(service).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (ConfigException e) {
      System.err.println("mesh: " + e.getMessage());
      System.exit(EXIT_BAD_CONFIG);
      return;
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof StartFailure failure) {
        cause = failure.getCause();
        try {
          failure.left.get(10, TimeUnit.SECONDS);
        } catch (Exception notLeft) {
          // exiting anyway: the other members notice the closed connections
        }
      }
      System.err.println("mesh: " + service.name() + " could not start: " + cause);
      LOG.error("event=start-failed service={}", service.name(), cause);
      System.exit(EXIT_START_FAILED);
      return;
    }
    keepProcessAlive();
    exitWithParent(System.getenv("MESH_PARENT_PID"));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    running
                        .stop()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(service.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
                  } catch (Exception e) {
                    System.err.println(
                        "mesh: "
                            + service.name()
                            + " did not stop cleanly within "
                            + service.shutdownTimeout()
                            + ": "
                            + e);
                  }
                  running.flushTraces(TRACE_FLUSH_TIMEOUT);
                },
                "mesh-shutdown"));
  }
}
