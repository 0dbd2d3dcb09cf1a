package dev.mesh.replay;

import com.hazelcast.core.HazelcastInstance;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Test support: N replay-service nodes clustered in this JVM on loopback, started one after the
 * other.
 */
final class ReplayCluster implements AutoCloseable {

  /** One started replay-service node. */
  record Node(ReplayService service, RunningService running) {

    Vertx vertx() {
      return running.node().vertx();
    }

    HazelcastInstance hazelcast() {
      return running.node().hazelcast();
    }

    ReplayClient client() {
      return new ReplayClient(vertx());
    }

    ReplayClient client(Duration timeout) {
      return new ReplayClient(vertx(), timeout);
    }

    ReplayMetrics metrics() {
      return service.metrics();
    }
  }

  private final List<Node> nodes = new ArrayList<>();
  private final List<MeshNode> dataMembers = new ArrayList<>();
  private ClusterOptions options;

  private ReplayCluster() {}

  /**
   * A plain Hazelcast data member (no replay-service on it) in the same cluster, closed with the
   * others.
   */
  MeshNode startDataMember() throws Exception {
    MeshNode node = await(MeshCluster.start(options, null), 60);
    dataMembers.add(node);
    return node;
  }

  /**
   * Starts {@code count} replay nodes and {@code plainDataMembers} plain data members together (a
   * member's start waits until {@code MESH_CLUSTER_MIN_MEMBERS} data members are in view, so a
   * quorum above one cannot be reached one start at a time); blocks (test thread only). The plain
   * members are returned by {@link #dataMembers()}.
   */
  static ReplayCluster startTogether(
      int count, int plainDataMembers, UnaryOperator<ReplayOptions> customise) throws Exception {
    ClusterOptions cluster = TestClusters.fresh();
    ReplayCluster started = new ReplayCluster();
    try {
      List<ReplayService> services = new ArrayList<>();
      List<Future<RunningService>> running = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ReplayOptions options =
            customise.apply(ReplayOptions.forTest(ServiceOptions.forTest(cluster), List.of()));
        started.options = options.service().cluster();
        ReplayService service = new ReplayService(options);
        services.add(service);
        running.add(ServiceLauncher.start(service));
      }
      List<Future<MeshNode>> plain = new ArrayList<>();
      for (int i = 0; i < plainDataMembers; i++) {
        plain.add(MeshCluster.start(started.options, null));
      }
      for (int i = 0; i < count; i++) {
        started.nodes.add(new Node(services.get(i), await(running.get(i), 60)));
      }
      for (Future<MeshNode> member : plain) {
        started.dataMembers.add(await(member, 60));
      }
      started.awaitSettled();
    } catch (Exception e) {
      started.close();
      throw e;
    }
    return started;
  }

  /** The plain data members started so far. */
  List<MeshNode> dataMembers() {
    return dataMembers;
  }

  /**
   * Starts {@code count} nodes with default options changed by {@code customise}; blocks (test
   * thread only).
   */
  static ReplayCluster start(int count, UnaryOperator<ReplayOptions> customise) throws Exception {
    ClusterOptions cluster = TestClusters.fresh();
    ReplayCluster started = new ReplayCluster();
    try {
      for (int i = 0; i < count; i++) {
        ReplayOptions options =
            customise.apply(ReplayOptions.forTest(ServiceOptions.forTest(cluster), List.of()));
        started.options = options.service().cluster();
        ReplayService service = new ReplayService(options);
        RunningService running = await(ServiceLauncher.start(service), 60);
        started.nodes.add(new Node(service, running));
      }
      started.awaitSettled();
    } catch (Exception e) {
      started.close();
      throw e;
    }
    return started;
  }

  /**
   * Waits until no partition is migrating and every backup is in sync as each replay node sees it.
   * A member that has just joined takes over partitions; publishes in that window wait for the
   * migration, which on a loaded machine can outlast a request deadline. The tests here are about a
   * settled cluster; migrations have their own tests (DurableAckTest, FailoverTest).
   */
  private void awaitSettled() throws Exception {
    Poll.until(
        Duration.ofSeconds(60),
        "partitions safe on every replay node",
        () -> nodes.stream().allMatch(node -> node.running().node().partitionsSafeHere()));
  }

  Node node(int index) {
    return nodes.get(index);
  }

  List<Node> nodes() {
    return nodes;
  }

  static <T> T await(Future<T> future, int seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    for (Node node : nodes) {
      try {
        await(node.running().stop(), 20);
      } catch (Exception e) {
        // a node whose Hazelcast member was terminated by the test may not stop cleanly; nothing
        // else to release
      }
    }
    nodes.clear();
    for (MeshNode node : dataMembers) {
      try {
        await(node.close(), 20);
      } catch (Exception e) {
        // terminated by the test
      }
    }
    dataMembers.clear();
  }
}
