package dev.mesh.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(VertxExtension.class)
@DisplayName("replay-service when a member dies")
class FailoverTest {

  private static final Logger LOG = LoggerFactory.getLogger(FailoverTest.class);
  private static final int EVENTS = 600;
  private static final int KILL_AFTER = 150;

  private ReplayCluster cluster;

  @BeforeEach
  void startTwoNodes() throws Exception {
    cluster = ReplayCluster.start(2, options -> options);
    // Let the partitions settle on both members first, so the owner found below stays the owner
    // until the kill.
    for (ReplayCluster.Node node : cluster.nodes()) {
      assertThat(
              node.hazelcast().getPartitionService().forceLocalMemberToBeSafe(30, TimeUnit.SECONDS))
          .isTrue();
    }
  }

  @AfterEach
  void stopNodes() {
    cluster.close();
  }

  @Test
  @DisplayName(
      "issue 5 test 4: terminating the member that owns the channel's partition while publishing loses no acknowledged event; the history stays exact")
  void ownerLossLosesNothing(VertxTestContext test) {
    String channel = "failover:1";
    int ownerIndex =
        IntStream.range(0, 2)
            .filter(
                i ->
                    cluster
                        .node(i)
                        .hazelcast()
                        .getCluster()
                        .getLocalMember()
                        .equals(
                            cluster
                                .node(0)
                                .hazelcast()
                                .getPartitionService()
                                .getPartition(channel)
                                .getOwner()))
            .findFirst()
            .orElseThrow();
    ReplayCluster.Node victim = cluster.node(ownerIndex);
    ReplayCluster.Node survivor = cluster.node(1 - ownerIndex);
    ReplayClient client = survivor.client(Duration.ofSeconds(2));
    Map<String, PublishResult> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicInteger ackedAtKill = new AtomicInteger();
    AtomicInteger retries = new AtomicInteger();

    List<String> ids = IntStream.range(0, EVENTS).mapToObj(i -> "e" + i).toList();
    // Hazelcast keeps an acknowledged write through one member's loss only once partitions have
    // finished moving
    // after the last join (README "Scaling"): start the load from that state, as an operator would.
    awaitClusterSafe(survivor)
        .compose(
            safe ->
                Load.run(
                    ids,
                    16,
                    id ->
                        publishUntilAcknowledged(
                                survivor.vertx(), client, channel, id, 100, retries)
                            .map(
                                result -> {
                                  acknowledged.put(id, result);
                                  if (acknowledged.size() >= KILL_AFTER
                                      && killed.compareAndSet(false, true)) {
                                    ackedAtKill.set(acknowledged.size());
                                    LOG.info(
                                        "event=terminating member={} acknowledged={}",
                                        ownerIndex,
                                        acknowledged.size());
                                    survivor
                                        .vertx()
                                        .executeBlocking(
                                            () -> {
                                              victim.hazelcast().getLifecycleService().terminate();
                                              return null;
                                            });
                                  }
                                  return result;
                                })))
        .compose(
            results -> {
              String epoch = results.get(0).epoch();
              return client
                  .historySince(channel, new Position(epoch, 0), 10_000)
                  .map(
                      history -> {
                        LOG.info(
                            "event=failover-done acknowledgedAtKill={} retries={} historyEvents={}",
                            ackedAtKill.get(),
                            retries.get(),
                            history.events().size());
                        assertThat(ackedAtKill.get())
                            .as("the kill happened mid-run")
                            .isLessThan(EVENTS);
                        assertThat(results)
                            .extracting(PublishResult::epoch)
                            .as("the history survived: same epoch")
                            .containsOnly(epoch);
                        assertThat(history.mustReset()).isFalse();
                        assertThat(history.events())
                            .extracting(Envelope::seq)
                            .isEqualTo(LongStream.rangeClosed(1, EVENTS).boxed().toList());
                        Set<String> seen = new HashSet<>();
                        for (Envelope event : history.events()) {
                          assertThat(seen.add(event.id()))
                              .as("%s appears once", event.id())
                              .isTrue();
                          assertThat(acknowledged.get(event.id()).seq())
                              .as("%s at its acknowledged seq", event.id())
                              .isEqualTo(event.seq());
                        }
                        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
                        return history;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  /** Completes once no partition is migrating (polled: Hazelcast publishes no event for it). */
  private static Future<Void> awaitClusterSafe(ReplayCluster.Node node) {
    io.vertx.core.Promise<Void> safe = io.vertx.core.Promise.promise();
    node.vertx()
        .setPeriodic(
            50,
            timer -> {
              if (node.hazelcast().getPartitionService().isClusterSafe()) {
                node.vertx().cancelTimer(timer);
                safe.tryComplete();
              }
            });
    return safe.future();
  }

  /**
   * Publishes, and on any failure retries the same id after 50 ms, as a well-behaved publisher
   * does.
   */
  private static Future<PublishResult> publishUntilAcknowledged(
      Vertx vertx,
      ReplayClient client,
      String channel,
      String id,
      int attempts,
      AtomicInteger retries) {
    return client
        .publish(channel, id, TextNode.valueOf(id), false)
        .recover(
            failure -> {
              if (attempts <= 1) {
                return Future.failedFuture(failure);
              }
              retries.incrementAndGet();
              return vertx
                  .timer(50, TimeUnit.MILLISECONDS)
                  .compose(
                      v ->
                          publishUntilAcknowledged(
                              vertx, client, channel, id, attempts - 1, retries));
            });
  }
}
