package dev.mesh.common.launch;

import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.config.ConfigException;
import dev.mesh.common.observe.MeshTracing;
import dev.mesh.common.observe.TelemetryOptions;
import dev.mesh.common.ops.ClusterHealthMonitor;
import dev.mesh.common.ops.EventLoopDelayProbe;
import dev.mesh.common.ops.Metrics;
import dev.mesh.common.ops.OpsVerticle;
import dev.mesh.common.ops.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started service. It lives through rejoins: when the launcher decides the node must leave and
 * join the cluster again ({@link MembershipGuard}), the same object stops the current incarnation
 * (not ready, verticles undeployed in reverse order, the node leaves) and starts a new one exactly
 * as at launch, with a new node id and the same ops and public ports. {@link #stop()} runs the
 * graceful shutdown once.
 */
public final class RunningService {

  private static final Logger LOG = LoggerFactory.getLogger(RunningService.class);

  /** Longest a rejoin waits for the old incarnation's verticles, then for its cluster departure. */
  private static final Duration LEAVE_STEP_TIMEOUT = Duration.ofSeconds(10);

  /** How long a first start interrupted by the cluster keeps being tried again. */
  static final Duration FIRST_START_RETRY_WINDOW = Duration.ofMinutes(2);

  private final MeshService service;
  private final AtomicInteger rejoins = new AtomicInteger();

  /** What every incarnation traces with; null when tracing is off. */
  private final OpenTelemetry tracing;

  /**
   * The SDK built from {@code OTEL_*} for this service (not one given in the options): flushed at
   * exit.
   */
  private final OpenTelemetrySdk ownTracing;

  private volatile Incarnation current;
  private volatile int opsPort;

  /** Serialises rejoins and the stop: each step starts when the previous one finished. */
  private Future<Void> lifecycle = Future.succeededFuture();

  private Future<Void> rejoining;
  private Future<Void> stopping;

  private record Incarnation(ServiceContext context, MembershipGuard guard) {}

  RunningService(MeshService service) {
    this.service = service;
    TelemetryOptions telemetry = service.serviceOptions().telemetry();
    if (telemetry.sdk() != null) {
      this.tracing = telemetry.sdk();
      this.ownTracing = null;
    } else if (telemetry.tracingEnabled()) {
      try {
        this.ownTracing = MeshTracing.fromEnvironment(service.name());
      } catch (ConfigurationException e) {
        throw new ConfigException(
            List.of(
                "MESH_TRACING="
                    + telemetry.tracing().configName()
                    + ": the OTEL_* configuration is invalid: "
                    + e.getMessage()
                    + (e.getCause() == null ? "" : " (" + e.getCause() + ")")));
      }
      this.tracing = ownTracing;
    } else {
      this.tracing = null;
      this.ownTracing = null;
    }
  }

  /**
   * Exports the spans still buffered (the SDK this service built from {@code OTEL_*}); waits at
   * most {@code limit}.
   */
  void flushTraces(Duration limit) {
    if (ownTracing != null) {
      ownTracing.shutdown().join(limit.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The current incarnation's node (a rejoin replaces it). */
  public MeshNode node() {
    return current.context().node();
  }

  /** The current incarnation's context (a rejoin replaces it). */
  public ServiceContext context() {
    return current.context();
  }

  /** The port /health, /ready and /metrics are served on; the same after a rejoin. */
  public int opsPort() {
    return opsPort;
  }

  /** How many times this service left and rejoined the cluster since launch. */
  public int rejoins() {
    return rejoins.get();
  }

  /**
   * The first start. A start that the cluster interrupts (a split or merge while it deploys, a
   * protected structure refused for lack of quorum, the member shut down under it) is tried again,
   * every few seconds within {@link #FIRST_START_RETRY_WINDOW}, as a rejoin would: membership
   * trouble at launch is the weather, not a defect, and exiting would leave a supervisor-less
   * process (the {@code mesh} script, a plain {@code java -jar}) dead. Configuration errors, a port
   * in use and a quorum that never came fail at once.
   */
  Future<Void> startFirst() {
    long deadline = System.nanoTime() + FIRST_START_RETRY_WINDOW.toNanos();
    return startRetrying(1, e -> System.nanoTime() < deadline && interruptedByCluster(e));
  }

  /** Joins, deploys the service's verticles then its ops server, and marks it ready. */
  Future<Void> startIncarnation() {
    long startedAt = System.nanoTime();
    PrometheusMeterRegistry registry = Metrics.createRegistry(service.name());
    ServiceNodeSetup setup =
        new ServiceNodeSetup(
            service.name(), registry, tracing, service.ops().vertxHttpServerMetrics());
    return MeshCluster.start(service.cluster(), service.busTls(), setup)
        .compose(
            node -> {
              Readiness readiness = new Readiness(node, service.name());
              ServiceContext context = new ServiceContext(node, registry, readiness, this::rejoin);
              OpsVerticle ops =
                  new OpsVerticle(
                      opsPort == 0 ? service.ops() : service.ops().withPort(opsPort),
                      readiness,
                      registry);
              // Guarded from the moment it joined: a merge or a long pause while the verticles
              // deploy fails this attempt
              // (and a new one starts) instead of going unnoticed until the next one.
              StartWatch watch = new StartWatch();
              MembershipGuard guard = new MembershipGuard(service.name(), node, watch::report);
              // Runtime meters first, so they cover the service's own start and are undeployed
              // last.
              return context
                  .deploy(
                      () -> new EventLoopDelayProbe(registry),
                      EventLoopDelayProbe.deploymentOptions())
                  .compose(
                      v ->
                          context.deploy(
                              new ClusterHealthMonitor(
                                  node,
                                  registry,
                                  readiness,
                                  service.ops().readyRequiresSafePartitions())))
                  .compose(v -> service.deploy(context))
                  .compose(v -> context.deploy(ops))
                  .compose(
                      v -> {
                        String interruption = watch.goLive();
                        if (interruption != null) {
                          return Future.failedFuture(new StartInterrupted(interruption));
                        }
                        opsPort = ops.actualPort();
                        current = new Incarnation(context, guard);
                        readiness.markDeployed();
                        LOG.info(
                            "event=ready service={} node={} ops=http://{}:{} members={} dataMembers={} liteMember={}"
                                + " startMillis={}",
                            service.name(),
                            node.nodeId(),
                            service.ops().host(),
                            opsPort,
                            node.memberCount(),
                            node.dataMemberCount(),
                            node.isLiteMember(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
                        String warning =
                            Readiness.majorityWarning(
                                node.dataMemberCount(), service.cluster().minDataMembers());
                        if (warning != null) {
                          LOG.warn(
                              "event=quorum-below-majority service={} !!! {}",
                              service.name(),
                              warning);
                        }
                        return Future.<Void>succeededFuture();
                      })
                  .recover(
                      e -> {
                        guard.stop();
                        LOG.error(
                            "event=start-failed service={} cause=\"{}\"",
                            service.name(),
                            e.toString());
                        // Fail now, while this Vert.x can still deliver the failure, and leave the
                        // cluster alongside: a failure
                        // reported after the close never arrived (its listeners ran on the closed
                        // event loops) and the process
                        // hung instead of exiting. run() waits a bounded time for the close before
                        // it exits.
                        CompletableFuture<Void> left =
                            node.close().toCompletionStage().toCompletableFuture();
                        return Future.failedFuture(new ServiceLauncher.StartFailure(e, left));
                      });
            });
  }

  /**
   * What the membership guard reported while an incarnation was still deploying. Until {@link
   * #goLive} a report is kept (the attempt then fails); after it, a report is a rejoin. The lock
   * makes the hand-over exact: no report is both kept and dropped.
   */
  private final class StartWatch {
    private String interruption;
    private boolean live;

    void report(String reason) {
      synchronized (this) {
        if (!live) {
          if (interruption == null) {
            interruption = reason;
          }
          return;
        }
      }
      rejoin(reason);
    }

    /** The interruption reported during the start, or null, in which case later reports rejoin. */
    synchronized String goLive() {
      live = interruption == null;
      return interruption;
    }
  }

  /** The cluster interrupted a start (see {@link StartWatch}). */
  static final class StartInterrupted extends RuntimeException {
    StartInterrupted(String reason) {
      super("the cluster changed under the start: " + reason);
    }
  }

  /**
   * Whether {@code failure} came from the cluster moving under the start rather than from this
   * service: a merge or pause seen by the guard, or a Hazelcast error (split-brain protection
   * refusing a write, the member shut down, a member or partition owner gone, no data member left).
   * Configuration errors, ports in use and a quorum that never formed (already waited for) are not.
   */
  static boolean interruptedByCluster(Throwable failure) {
    for (Throwable cause = failure;
        cause != null;
        cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof ConfigException || cause instanceof java.net.BindException) {
        return false;
      }
      if (cause instanceof StartInterrupted
          || cause instanceof com.hazelcast.splitbrainprotection.SplitBrainProtectionException
          || cause instanceof com.hazelcast.core.HazelcastInstanceNotActiveException
          || cause instanceof com.hazelcast.core.MemberLeftException
          || cause instanceof com.hazelcast.spi.exception.TargetNotMemberException
          || cause instanceof com.hazelcast.spi.exception.PartitionMigratingException
          || cause instanceof com.hazelcast.spi.exception.WrongTargetException
          // A lite member (an edge) split from every data member after its quorum formed: the
          // cluster manager's first write has no partition owner until the split heals.
          || cause instanceof com.hazelcast.partition.NoDataMemberInClusterException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Leaves the cluster and joins it again as a new node (same ports). Asked by the membership guard
   * or a service that finds itself removed; a rejoin already under way, or a stop, makes it a
   * no-op.
   */
  public synchronized Future<Void> rejoin(String reason) {
    if (stopping != null) {
      return stopping;
    }
    if (rejoining != null) {
      return rejoining;
    }
    Incarnation leaving = current;
    if (leaving == null) {
      return Future.succeededFuture();
    }
    LOG.warn(
        "event=rejoining service={} node={} reason=\"{}\"",
        service.name(),
        leaving.context().node().nodeId(),
        reason);
    leaving.context().readiness().markStopping("rejoining the cluster: " + reason);
    leaving.guard().stop();
    Promise<Void> done = Promise.promise();
    rejoining = done.future();
    lifecycle =
        lifecycle
            .transform(v -> leave(leaving, true))
            .transform(v -> startUntilJoined(1))
            .onComplete(
                result -> {
                  synchronized (this) {
                    rejoining = null;
                  }
                  if (result.succeeded()) {
                    rejoins.incrementAndGet();
                    LOG.info("event=rejoined service={} node={}", service.name(), node().nodeId());
                  }
                  done.handle(result);
                });
    return done.future();
  }

  /**
   * Starts a new incarnation, retrying every few seconds until it joins (or the service is
   * stopped).
   */
  private Future<Void> startUntilJoined(int attempt) {
    return startRetrying(attempt, e -> true);
  }

  /**
   * Starts an incarnation; after a failure {@code retry} accepts, waits for the failed attempt to
   * leave the cluster (its ports close with it) and a growing delay, then tries again. Stops trying
   * once the service is stopped.
   */
  private Future<Void> startRetrying(int attempt, java.util.function.Predicate<Throwable> retry) {
    synchronized (this) {
      if (stopping != null) {
        return Future.failedFuture("stopped while rejoining");
      }
    }
    return startIncarnation()
        .recover(
            e -> {
              if (!retry.test(e)) {
                return Future.failedFuture(e);
              }
              LOG.warn(
                  "event=start-retry service={} attempt={} cause=\"{}\"",
                  service.name(),
                  attempt,
                  e.getMessage());
              CompletableFuture<Void> left =
                  e instanceof ServiceLauncher.StartFailure failure
                      ? failure.left.exceptionally(x -> null)
                      : CompletableFuture.completedFuture(null);
              CompletableFuture<Void> later =
                  left.completeOnTimeout(null, LEAVE_STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                      .thenCompose(
                          v -> {
                            CompletableFuture<Void> delay = new CompletableFuture<>();
                            CompletableFuture.delayedExecutor(
                                    Math.min(10, attempt * 2L), TimeUnit.SECONDS)
                                .execute(() -> delay.complete(null));
                            return delay;
                          });
              return Future.fromCompletionStage(later)
                  .compose(v -> startRetrying(attempt + 1, retry));
            });
  }

  /**
   * Not ready, verticles undeployed in reverse order (each finishes its work: an edge closes its
   * sockets with 1001 and a retry hint, removes its registry entries), then the node leaves. For a
   * rejoin each step is bounded: a node cut off from the data members cannot finish its registry
   * removals, and the survivors purge its entries anyway.
   */
  private Future<Void> leave(Incarnation incarnation, boolean bounded) {
    MeshNode node = incarnation.context().node();
    Future<Void> undeployed = Future.succeededFuture();
    for (String id : incarnation.context().deploymentsInReverse()) {
      undeployed =
          undeployed.compose(
              v ->
                  node.vertx()
                      .undeploy(id)
                      .recover(
                          e -> {
                            LOG.warn(
                                "event=undeploy-failed service={} deployment={} cause=\"{}\"",
                                service.name(),
                                id,
                                e.getMessage());
                            return Future.succeededFuture();
                          }));
    }
    if (!bounded) {
      return undeployed.compose(v -> node.close());
    }
    return within(undeployed, "undeploy")
        .compose(v -> within(node.close(), "leave"))
        .recover(
            e -> {
              LOG.warn(
                  "event=leave-forced service={} node={} cause=\"{}\"",
                  service.name(),
                  node.nodeId(),
                  e.getMessage());
              try {
                node.hazelcast().getLifecycleService().terminate();
              } catch (RuntimeException ignored) {
                // already gone
              }
              return within(node.close(), "close after terminate").otherwiseEmpty();
            });
  }

  private static Future<Void> within(Future<Void> step, String what) {
    CompletableFuture<Void> bounded =
        step.toCompletionStage()
            .toCompletableFuture()
            .orTimeout(LEAVE_STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    return Future.fromCompletionStage(bounded)
        .recover(e -> Future.failedFuture(what + " did not finish: " + e));
  }

  /**
   * Not ready first (balancers stop sending), then each verticle undeployed in reverse order (each
   * finishes its work: closes sockets, removes its registry entries), then the node leaves the
   * cluster. Waits for a rejoin under way to finish first.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      Promise<Void> done = Promise.promise();
      stopping = done.future();
      lifecycle =
          lifecycle
              .transform(
                  v -> {
                    Incarnation incarnation = current;
                    if (incarnation == null) {
                      return Future.succeededFuture();
                    }
                    LOG.info(
                        "event=stopping service={} node={}",
                        service.name(),
                        incarnation.context().node().nodeId());
                    incarnation.context().readiness().markStopping();
                    incarnation.guard().stop();
                    return leave(incarnation, false)
                        .onSuccess(x -> LOG.info("event=stopped service={}", service.name()));
                  })
              .onComplete(done);
    }
    return stopping;
  }
}
