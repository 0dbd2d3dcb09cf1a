package dev.mesh.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.store.ChannelLog;
import dev.mesh.common.replay.store.ReplayMaps;
import dev.mesh.common.testing.Poll;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Acknowledged means durable (docs/MEMBERSHIP.md): an append waits for its backups, and when the
 * member that should hold a backup leaves instead, Hazelcast completes the append at once; the
 * publisher then acknowledges only if its side of the cluster still has quorum. Two replay nodes
 * and a plain data member, two backups (every member holds every partition); the plain member's
 * partition threads are held so that its backup cannot be written, then it is terminated.
 */
@DisplayName(
    "An acknowledged publish is durable: a backup that never arrives is waited for, and a lost quorum refuses")
class DurableAckTest {

  /** Holds the partition threads of one member (released in the test's cleanup). */
  static volatile CountDownLatch RELEASE = new CountDownLatch(1);

  private ReplayCluster cluster;
  private HazelcastInstance victim;

  @AfterEach
  void stop() {
    RELEASE.countDown();
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start(int minDataMembers) throws Exception {
    RELEASE = new CountDownLatch(1);
    cluster =
        ReplayCluster.startTogether(
            2,
            1,
            options ->
                options
                    .withBackups(2)
                    .withService(
                        options
                            .service()
                            .withCluster(
                                options.service().cluster().withMinDataMembers(minDataMembers))));
    victim = cluster.dataMembers().get(0).hazelcast();
    for (ReplayCluster.Node node : cluster.nodes()) {
      assertThat(
              node.hazelcast().getPartitionService().forceLocalMemberToBeSafe(30, TimeUnit.SECONDS))
          .isTrue();
    }
    assertThat(victim.getPartitionService().forceLocalMemberToBeSafe(30, TimeUnit.SECONDS))
        .isTrue();
  }

  /**
   * A channel whose partition is owned by {@code owner}, so the member blocked below holds only a
   * backup of it.
   */
  private static String channelOwnedBy(HazelcastInstance any, Member owner) {
    for (int i = 0; ; i++) {
      String channel = "durable:" + i;
      if (any.getPartitionService().getPartition(channel).getOwner().equals(owner)) {
        return channel;
      }
    }
  }

  /**
   * Blocks every partition thread of {@code victim} (each runs a read-only entry processor that
   * waits).
   */
  private static void holdPartitionThreads(HazelcastInstance victim) {
    Member self = victim.getCluster().getLocalMember();
    int submitted = 0;
    for (int i = 0; submitted < 32 && i < 10_000; i++) {
      String key = "hold:" + i;
      if (victim.getPartitionService().getPartition(key).getOwner().equals(self)) {
        ReplayMaps.channels(victim).submitToKey(key, new Hold());
        submitted++;
      }
    }
  }

  private Future<PublishResult> publish(ReplayCluster.Node via, String channel, String id) {
    return via.client()
        .publish(new PublishRequest(channel, id, TextNode.valueOf("x"), false, "test"));
  }

  /**
   * As a publisher or reader does after a member died: retries a request the cluster answered with
   * a retryable 503 (a request can reach the dead member's consumers until the survivors drop its
   * registrations), for up to 30 s.
   */
  private static <T> T retryingUnavailable(java.util.function.Supplier<Future<T>> request)
      throws Exception {
    java.util.concurrent.atomic.AtomicReference<T> answer =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<Exception> refusal =
        new java.util.concurrent.atomic.AtomicReference<>();
    Poll.until(
        Duration.ofSeconds(30),
        "the request answered without a retryable 503",
        () -> {
          try {
            answer.set(await(request.get(), 20));
            return true;
          } catch (Exception e) {
            boolean retryable =
                e.getCause() instanceof ReplyException reply
                    && (reply.failureCode() == ErrorCodes.UNAVAILABLE
                        || reply.failureType().name().equals("TIMEOUT")
                        || reply.failureType().name().equals("NO_HANDLERS"));
            if (!retryable) {
              refusal.set(e);
            }
            return !retryable;
          }
        });
    if (refusal.get() != null) {
      throw refusal.get();
    }
    return answer.get();
  }

  private static <T> T await(Future<T> future, long seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName(
      "the backup member leaves while the append waits for it: without quorum nothing is acknowledged or announced")
  void refusedWithoutQuorum() throws Exception {
    start(3);
    ReplayCluster.Node a = cluster.node(0);
    String channel = channelOwnedBy(a.hazelcast(), a.hazelcast().getCluster().getLocalMember());
    List<Envelope> announced = new CopyOnWriteArrayList<>();
    List<Long> announcedAtNanos = new CopyOnWriteArrayList<>();
    await(
        a.vertx()
            .eventBus()
            .<Envelope>consumer(
                Addresses.channel(channel),
                m -> {
                  announcedAtNanos.add(System.nanoTime());
                  announced.add(m.body());
                })
            .completion(),
        10);

    holdPartitionThreads(victim);
    CompletableFuture<PublishResult> publishing =
        publish(a, channel, "m1").toCompletionStage().toCompletableFuture();
    assertThatThrownBy(() -> publishing.get(1500, TimeUnit.MILLISECONDS))
        .as("the append waits for the held backup")
        .isInstanceOf(java.util.concurrent.TimeoutException.class);

    long terminatedAt = System.nanoTime();
    victim.getLifecycleService().terminate();
    // Two paths lead here, both refusals: Hazelcast completes the append when the backup member
    // leaves and the
    // publisher's quorum check refuses ("no quorum"), or Hazelcast retries the append and the
    // split-brain protection
    // refuses it (SplitBrainProtectionException). Either way a retryable 503, and no ack.
    assertThatThrownBy(() -> publishing.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ReplyException.class)
        .satisfies(
            e ->
                assertThat(((ReplyException) e.getCause()).failureCode())
                    .isEqualTo(ErrorCodes.UNAVAILABLE))
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .containsAnyOf("no quorum", "SplitBrainProtectionException"));
    long afterMillis = (System.nanoTime() - terminatedAt) / 1_000_000;
    assertThat(afterMillis)
        .as("refused when the member left, not at the backup timeout")
        .isLessThan(a.running().node().options().backupTimeout().toMillis());
    assertThat(announced).as("nothing announced when refused").isEmpty();

    // Quorum back: the publisher's retry with the same id is acknowledged, once.
    RELEASE.countDown();
    long quorumBackAtNanos = System.nanoTime();
    cluster.startDataMember();
    PublishResult[] acknowledged = new PublishResult[1];
    Poll.until(
        Duration.ofSeconds(30),
        "the retry acknowledged within 30 s of quorum",
        () -> {
          try {
            acknowledged[0] = await(publish(a, channel, "m1"), 20);
            return true;
          } catch (Exception e) {
            return false;
          }
        });
    PublishResult retried = acknowledged[0];
    assertThat(retried.seq()).isEqualTo(1);
    var page =
        await(
            a.client()
                .history(channel, new dev.mesh.common.protocol.Position(retried.epoch(), 0), 10),
            20);
    assertThat(page.events()).extracting(Envelope::id).containsExactly("m1");
    // The announcement travels apart from the ack and may land after it (it did, on a busy
    // machine): wait for it, then for the next event's, which the channel announces after it, so
    // any second announcement of m1 would be here by then.
    Poll.until(
        Duration.ofSeconds(10),
        "the acknowledged retry announced",
        () -> announced.stream().anyMatch(e -> e.id().equals("m1")));
    assertThat(await(publish(a, channel, "m2"), 20).seq()).isEqualTo(2);
    Poll.until(
        Duration.ofSeconds(10),
        "the next event announced",
        () -> announced.stream().anyMatch(e -> e.id().equals("m2")));
    long deliveredLive = announced.stream().filter(e -> e.id().equals("m1")).count();
    assertThat(deliveredLive).as("announced once the retry was acknowledged").isEqualTo(1);
    // An announcement of the refused attempt, however late it arrived, would come before quorum was
    // back.
    assertThat(announcedAtNanos)
        .as("announced only after quorum was back")
        .allMatch(at -> at > quorumBackAtNanos);
  }

  @Test
  @DisplayName(
      "the backup member leaves while the append waits for it: with quorum the ack comes, and the event is on both survivors")
  void acknowledgedWithQuorum() throws Exception {
    start(2);
    ReplayCluster.Node a = cluster.node(0);
    ReplayCluster.Node b = cluster.node(1);
    String channel = channelOwnedBy(a.hazelcast(), a.hazelcast().getCluster().getLocalMember());

    holdPartitionThreads(victim);
    CompletableFuture<PublishResult> publishing =
        publish(a, channel, "m1").toCompletionStage().toCompletableFuture();
    assertThatThrownBy(() -> publishing.get(1500, TimeUnit.MILLISECONDS))
        .as("the append waits for the held backup")
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    victim.getLifecycleService().terminate();
    PublishResult result = publishing.get(20, TimeUnit.SECONDS);
    assertThat(result.seq()).isEqualTo(1);

    // Durable: with a third data member back (quorum for what follows), the owner dies too, and the
    // other backup
    // still has the event.
    HazelcastInstance third = cluster.startDataMember().hazelcast();
    assertThat(third.getPartitionService().forceLocalMemberToBeSafe(30, TimeUnit.SECONDS)).isTrue();
    a.hazelcast().getLifecycleService().terminate();
    var page =
        retryingUnavailable(
            () ->
                b.client()
                    .history(
                        channel, new dev.mesh.common.protocol.Position(result.epoch(), 0), 10));
    assertThat(page.epoch()).isEqualTo(result.epoch());
    assertThat(page.events()).extracting(Envelope::id).containsExactly("m1");
  }

  @Test
  @DisplayName(
      "a partition lost entirely (no backup left): a reader of the old epoch gets a reset, and the next publish opens a new epoch it continues into")
  void lostPartitionNewEpoch() throws Exception {
    RELEASE = new CountDownLatch(1);
    cluster = ReplayCluster.start(2, options -> options.withBackups(0));
    ReplayCluster.Node survivor = cluster.node(0);
    ReplayCluster.Node owner = cluster.node(1);
    for (ReplayCluster.Node node : cluster.nodes()) {
      assertThat(
              node.hazelcast().getPartitionService().forceLocalMemberToBeSafe(30, TimeUnit.SECONDS))
          .isTrue();
    }
    String channel =
        channelOwnedBy(survivor.hazelcast(), owner.hazelcast().getCluster().getLocalMember());
    PublishResult last = null;
    for (int i = 1; i <= 3; i++) {
      last = await(publish(survivor, channel, "m" + i), 20);
    }
    owner.hazelcast().getLifecycleService().terminate();

    PublishResult before = last;
    var page =
        retryingUnavailable(
            () ->
                survivor
                    .client()
                    .history(
                        channel, new dev.mesh.common.protocol.Position(before.epoch(), 3), 10));
    assertThat(page.reset()).isEqualTo(dev.mesh.common.replay.ResetCause.EPOCH_CHANGED);
    assertThat(page.epoch()).isNotEqualTo(last.epoch());
    assertThat(page.head()).isZero();
    // Reads create no channel (PROTOCOL 6.1): the reader now stands at the unborn position, the
    // next publish opens a
    // new epoch, and the reader continues into it from its first event without another reset.
    assertThat(page.epoch()).isEqualTo(dev.mesh.common.protocol.Position.UNBORN_EPOCH);
    PublishResult next = retryingUnavailable(() -> publish(survivor, channel, "m4"));
    assertThat(next.epoch()).isNotEqualTo(last.epoch()).isNotEqualTo(page.epoch());
    assertThat(next.seq()).isEqualTo(1);
    var continued =
        retryingUnavailable(
            () ->
                survivor
                    .client()
                    .history(
                        channel,
                        new dev.mesh.common.protocol.Position(page.epoch(), page.head()),
                        10));
    assertThat(continued.reset()).isNull();
    assertThat(continued.events()).extracting(Envelope::id).containsExactly("m4");
  }

  /** Waits on {@link #RELEASE} on a partition thread of the member that owns its key. */
  static final class Hold implements EntryProcessor<String, ChannelLog, Object>, ReadOnly {
    @Override
    public Object process(Map.Entry<String, ChannelLog> entry) {
      try {
        RELEASE.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }

    @Override
    public EntryProcessor<String, ChannelLog, Object> getBackupProcessor() {
      return null;
    }
  }
}
