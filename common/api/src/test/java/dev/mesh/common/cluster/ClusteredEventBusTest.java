package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.internal.util.ConcurrencyUtil;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.properties.ClusterProperty;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.status.ServiceStatus;
import dev.mesh.common.status.StatusQuery;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Three clustered nodes in one JVM")
class ClusteredEventBusTest {

  private final List<MeshNode> nodes = new ArrayList<>();

  @BeforeEach
  void startThreeNodes(VertxTestContext test) {
    ClusterOptions options = TestClusters.fresh();
    // Sequential starts: the first node becomes master, the others join it.
    MeshCluster.start(options, null)
        .compose(
            a -> {
              nodes.add(a);
              return MeshCluster.start(options, null);
            })
        .compose(
            b -> {
              nodes.add(b);
              return MeshCluster.start(options, null);
            })
        .onSuccess(nodes::add)
        .onComplete(test.succeedingThenComplete());
  }

  /** Held Hazelcast event threads of one test; released before the nodes stop. */
  private final CountDownLatch eventThreadsHeld = new CountDownLatch(1);

  @AfterEach
  void stopNodes() throws Exception {
    eventThreadsHeld.countDown();
    Future.join(nodes.stream().map(MeshNode::close).toList())
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName(
      "a Hazelcast future's callback runs on a pooled thread, never on a thread started for it")
  void hazelcastCallbacksArePooled() throws Exception {
    IMap<String, String> map = nodes.get(0).hazelcast().getMap("callbacks");
    map.setAsync("k", "v").toCompletableFuture().get(10, TimeUnit.SECONDS);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      CompletableFuture<Void> called = new CompletableFuture<>();
      // Reads of keys the other members own: their futures complete later, so the callback is
      // run by Hazelcast's async executor, as Vert.x's Future.fromCompletionStage has it run.
      nodes
          .get(0)
          .hazelcast()
          .<String, String>getMap("callbacks")
          .getAsync("key-" + i)
          .whenComplete(
              (value, failure) -> {
                threads.add(Thread.currentThread().getName());
                called.complete(null);
              });
      done.add(called);
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(threads)
        .as("Hazelcast starts a thread per callback unless given a pool on a small machine")
        .noneMatch(name -> name.matches("Thread-\\d+"));
    assertThat(threads.size())
        .as("callbacks on the pool, the common pool, or the calling thread when already complete")
        .isLessThanOrEqualTo(Math.max(2, ForkJoinPool.getCommonPoolParallelism()) + 1);
  }

  @Test
  @DisplayName(
      "ClusterFutures hands a Hazelcast future's value, a failure, or a finished stage to the context's own thread")
  void clusterFuturesCompleteOnTheContext(VertxTestContext test) throws Exception {
    MeshNode node = nodes.get(0);
    IMap<String, String> map = node.hazelcast().getMap("handoff");
    for (int i = 0; i < 50; i++) {
      map.setAsync("key-" + i, "value-" + i).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    Context context = node.vertx().getOrCreateContext();
    List<Future<String>> reads = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      // Keys on all three members: completed by Hazelcast's partition or response threads.
      reads.add(
          ClusterFutures.on(context, map.getAsync("key-" + i)).map(v -> onContext(context, v)));
    }
    Future<String> done =
        ClusterFutures.on(context, CompletableFuture.completedFuture("done"))
            .map(v -> onContext(context, v));
    Future<String> failed =
        ClusterFutures.on(
                context,
                CompletableFuture.<String>failedFuture(new IllegalStateException("refused")))
            .recover(e -> Future.succeededFuture(onContext(context, e.getMessage())));
    Future.all(List.of(Future.all(reads), done, failed))
        .onComplete(
            test.succeeding(
                all ->
                    test.verify(
                        () -> {
                          for (int i = 0; i < 50; i++) {
                            assertThat(reads.get(i).result()).isEqualTo("value-" + i);
                          }
                          assertThat(done.result()).isEqualTo("done");
                          assertThat(failed.result()).isEqualTo("refused");
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "ClusterFutures needs no thread of Hazelcast's async pool: results arrive while every one of them is blocked")
  void clusterFuturesBypassTheAsyncPool(VertxTestContext test) throws Exception {
    Assumptions.assumeTrue(
        ConcurrencyUtil.getDefaultAsyncExecutor() instanceof ForkJoinPool,
        "a pool of fixed size, which blocked tasks can fill");
    ForkJoinPool pool = (ForkJoinPool) ConcurrencyUtil.getDefaultAsyncExecutor();
    MeshNode node = nodes.get(0);
    IMap<String, String> map = node.hazelcast().getMap("starved");
    for (int i = 0; i < 20; i++) {
      map.setAsync("key-" + i, "value-" + i).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    // Every thread of the pool blocked: a callback that needs one (Future.fromCompletionStage's)
    // would wait for the release, after the test's deadline.
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(pool.getParallelism());
    for (int i = 0; i < pool.getParallelism(); i++) {
      pool.execute(
          () -> {
            blocked.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    try {
      assertThat(blocked.await(10, TimeUnit.SECONDS)).as("every pool thread blocked").isTrue();
      Context context = node.vertx().getOrCreateContext();
      List<Future<String>> reads = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        reads.add(ClusterFutures.on(context, map.getAsync("key-" + i)));
      }
      List<String> values =
          Future.all(reads)
              .map(all -> reads.stream().map(Future::result).toList())
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      assertThat(values).hasSize(20).allSatisfy(v -> assertThat(v).startsWith("value-"));
      test.completeNow();
    } finally {
      release.countDown();
    }
  }

  /** {@code value}, or a failure when not called on {@code context}'s event-loop thread. */
  private static String onContext(Context context, String value) {
    if (Vertx.currentContext() != context || !Context.isOnEventLoopThread()) {
      throw new IllegalStateException(
          "completed on " + Thread.currentThread().getName() + ", not on the context");
    }
    return value;
  }

  @Test
  @DisplayName("every node sees three members, each with a distinct node id")
  void formsOneCluster() {
    assertThat(nodes).allSatisfy(node -> assertThat(node.memberCount()).isEqualTo(3));
    assertThat(nodes.get(0).memberIds())
        .containsExactlyInAnyOrder(
            nodes.get(0).nodeId(), nodes.get(1).nodeId(), nodes.get(2).nodeId());
  }

  @Test
  @DisplayName("request/reply crosses nodes with the Mesh codec and keeps the record's values")
  void requestReplyAcrossNodes(VertxTestContext test) {
    MeshNode responder = nodes.get(2);
    Instant startedAt = Instant.parse("2026-01-02T03:04:05Z");
    MessageConsumer<StatusQuery> consumer =
        responder
            .vertx()
            .eventBus()
            .consumer(
                "test.status",
                query ->
                    query.reply(
                        new ServiceStatus(
                            "test-service",
                            responder.nodeId(),
                            "v-" + query.body().from(),
                            startedAt,
                            3)));
    consumer
        .completion()
        .compose(
            v ->
                new BusClient(nodes.get(0).vertx())
                    .request("test.status", new StatusQuery("node-0"), ServiceStatus.class))
        .onComplete(
            test.succeeding(
                status ->
                    test.verify(
                        () -> {
                          assertThat(status)
                              .isEqualTo(
                                  new ServiceStatus(
                                      "test-service",
                                      responder.nodeId(),
                                      "v-node-0",
                                      startedAt,
                                      3));
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("a publish reaches a consumer on every other node, decoded to the same record")
  void publishReachesEveryNode(VertxTestContext test) {
    ConnectionIdentity identity =
        new ConnectionIdentity("u1", "s1", "t1", "p1", "c1", nodes.get(0).nodeId());
    ConnectionClosed closed =
        new ConnectionClosed(
            identity,
            Transport.WEBSOCKET,
            Instant.ofEpochMilli(1000),
            Instant.ofEpochMilli(4000),
            CloseReason.HEARTBEAT_TIMEOUT,
            4000);
    Checkpoint received = test.checkpoint(2);
    List<Future<Void>> registered = new ArrayList<>();
    for (MeshNode node : nodes.subList(1, 3)) {
      registered.add(
          node.vertx()
              .eventBus()
              .<ConnectionClosed>consumer(
                  Addresses.CONNECTION_EVENTS,
                  message ->
                      test.verify(
                          () -> {
                            assertThat(message.body()).isEqualTo(closed);
                            assertThat(message.body().durationMillis()).isEqualTo(3000);
                            received.flag();
                          }))
              .completion());
    }
    Future.all(registered)
        .onComplete(
            test.succeeding(
                v -> nodes.get(0).vertx().eventBus().publish(Addresses.CONNECTION_EVENTS, closed)));
  }

  @Test
  @DisplayName("a node that leaves is reported gone, by its node id, to the others")
  void leavingNodeIsSeenGone(VertxTestContext test) {
    MeshNode leaving = nodes.get(2);
    String leavingId = leaving.nodeId();
    Checkpoint seen = test.checkpoint(2);
    for (MeshNode survivor : nodes.subList(0, 2)) {
      survivor.onMembershipChange(
          change ->
              test.verify(
                  () -> {
                    if (change.kind() == MembershipChange.Kind.LEFT) {
                      assertThat(change.nodeId()).isEqualTo(leavingId);
                      assertThat(change.members()).isEqualTo(2);
                      assertThat(survivor.memberIds()).doesNotContain(leavingId).hasSize(2);
                      seen.flag();
                    }
                  }));
    }
    nodes.remove(leaving);
    leaving.close();
  }

  @Test
  @DisplayName("a departure reaches a listener while every Hazelcast event thread is held")
  void departureSeenWhileEventThreadsAreHeld(VertxTestContext test) throws Exception {
    MeshNode survivor = nodes.get(0);
    // A listener that blocks on a member's removal, as vertx-hazelcast's does with its map calls,
    // holds its event thread and every event queued behind it. A hundred of them, on threads
    // chosen by their registration ids, hold all of Hazelcast's event threads.
    int eventThreads = Integer.parseInt(ClusterProperty.EVENT_THREAD_COUNT.getDefaultValue());
    Set<String> heldThreads = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 100; i++) {
      survivor
          .hazelcast()
          .getCluster()
          .addMembershipListener(
              new MembershipListener() {
                @Override
                public void memberAdded(MembershipEvent event) {}

                @Override
                public void memberRemoved(MembershipEvent event) {
                  heldThreads.add(Thread.currentThread().getName());
                  try {
                    eventThreadsHeld.await(2, TimeUnit.MINUTES);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
              });
    }
    MeshNode first = nodes.remove(2);
    first.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Poll.until(
        Duration.ofSeconds(30),
        "every event thread held",
        () -> heldThreads.size() == eventThreads);

    MeshNode second = nodes.remove(1);
    String secondId = second.nodeId();
    survivor.onMembershipChange(
        change ->
            test.verify(
                () -> {
                  assertThat(change.kind()).isEqualTo(MembershipChange.Kind.LEFT);
                  assertThat(change.nodeId()).isEqualTo(secondId);
                  assertThat(change.members()).isEqualTo(1);
                  assertThat(eventThreadsHeld.getCount()).isEqualTo(1);
                  test.completeNow();
                }));
    second.close();
  }
}
