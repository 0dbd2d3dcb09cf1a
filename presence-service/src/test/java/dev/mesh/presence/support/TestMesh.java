package dev.mesh.presence.support;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.PresenceService;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real cluster in this JVM: presence-service instances (the real service, started like its {@code
 * main} does) and simulated connection nodes, all Hazelcast members on 127.0.0.1 under a cluster
 * name of their own.
 */
public final class TestMesh {

  /** A running presence-service instance. */
  public record Presence(PresenceService service, RunningService running) {}

  private final ClusterOptions cluster;
  private final PresenceOptions options;
  private final List<Presence> presence = new ArrayList<>();
  private final List<SimulatedEdge> edges = new ArrayList<>();

  private TestMesh(ClusterOptions cluster, PresenceOptions options) {
    this.cluster = cluster;
    this.options = options;
  }

  /**
   * Starts {@code presenceCount} presence instances, then {@code edgeCount} connection nodes, one
   * after the other.
   */
  public static TestMesh start(
      int presenceCount, int edgeCount, UnaryOperator<PresenceOptions> tuning) {
    ClusterOptions cluster = TestClusters.fresh();
    TestMesh mesh = new TestMesh(cluster, tuning.apply(PresenceOptions.forTest(cluster)));
    Future<Void> started = Future.succeededFuture();
    for (int i = 0; i < presenceCount; i++) {
      started = started.compose(v -> mesh.addPresence());
    }
    for (int i = 0; i < edgeCount; i++) {
      started = started.compose(v -> mesh.addEdge()).mapEmpty();
    }
    await(started, Duration.ofSeconds(60));
    return mesh;
  }

  /**
   * Completes once no partition is migrating and every backup is in sync. Hazelcast keeps data
   * through the loss of one member only in that state: a member killed while partitions still move
   * to a member that just joined can take entries with it. Tests kill nothing before it (and
   * operators should not either: README).
   */
  public Future<Void> awaitSafe() {
    SimulatedEdge any = edges.get(0);
    return Eventually.poll(
            any.node().vertx(),
            () ->
                any.node()
                    .vertx()
                    .executeBlocking(
                        () -> any.node().hazelcast().getPartitionService().isClusterSafe()),
            safe -> safe,
            Duration.ofSeconds(30))
        .mapEmpty();
  }

  public Future<Void> addPresence() {
    PresenceService service = new PresenceService(options);
    return ServiceLauncher.start(service)
        .compose(
            running -> {
              presence.add(new Presence(service, running));
              return edges.isEmpty() ? Future.succeededFuture() : awaitSafe();
            });
  }

  /**
   * Starts one more connection node, kept (and closed) with the others; completes once the cluster
   * is safe.
   */
  public Future<SimulatedEdge> addEdge() {
    return SimulatedEdge.start(cluster)
        .compose(
            edge -> {
              edges.add(edge);
              return awaitSafe().map(edge);
            });
  }

  public PresenceOptions options() {
    return options;
  }

  public Presence presence(int index) {
    return presence.get(index);
  }

  public SimulatedEdge edge(int index) {
    return edges.get(index);
  }

  /**
   * Kills a presence instance like {@code kill -9}: its Hazelcast member vanishes, then its Vert.x
   * is closed.
   */
  public Future<Void> killPresence(int index) {
    Presence victim = presence.remove(index);
    victim.running().node().hazelcast().getLifecycleService().terminate();
    return victim.running().node().vertx().close().recover(e -> Future.succeededFuture());
  }

  /**
   * Edges leave first, then presence. An edge's Vert.x, as it closes, removes its event-bus
   * subscriptions from maps the data members hold, which can wait on partitions whose owners are
   * leaving too. With every member leaving at once, the shared mesh's close once took over 30 s
   * (with two test JVMs on two cores).
   */
  public void close() {
    List<Future<Void>> edgesLeaving = new ArrayList<>();
    edges.forEach(edge -> edgesLeaving.add(edge.close()));
    Future<Void> closed =
        Future.join(edgesLeaving)
            .<Void>mapEmpty()
            .recover(e -> Future.succeededFuture())
            .compose(
                v -> {
                  List<Future<Void>> presenceLeaving = new ArrayList<>();
                  presence.forEach(
                      p ->
                          presenceLeaving.add(
                              p.running().stop().recover(e -> Future.succeededFuture())));
                  return Future.join(presenceLeaving).mapEmpty();
                });
    await(closed, Duration.ofSeconds(30));
  }

  /**
   * Blocks the test thread (never an event loop) until a future completes; for setup and teardown
   * only.
   */
  public static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("not completed within " + timeout, e);
    }
  }
}
