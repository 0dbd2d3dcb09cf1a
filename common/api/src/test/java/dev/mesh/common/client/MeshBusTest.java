package dev.mesh.common.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.HistoryRequest;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link MeshBus}'s deadlines and retries, over a real two-member cluster: a data member plays
 * replay-service with scripted answers, and the client joins as a lite member.
 */
@DisplayName("MeshBus: joining as a lite member, retries and deadlines")
class MeshBusTest {

  private static MeshNode service;
  private static MeshBus client;
  private final List<MessageConsumer<?>> consumers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    ClusterOptions cluster = TestClusters.fresh();
    service =
        MeshCluster.start(cluster, null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    client =
        MeshBus.join(
                MeshBusOptions.of(cluster)
                    .withDeadlines(Duration.ofMillis(500), Duration.ofSeconds(3)))
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void unregister() throws Exception {
    for (MessageConsumer<?> consumer : consumers) {
      consumer.unregister().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * Registers a publish responder on the service member that answers the n-th request (from 1) as
   * told.
   */
  private void publishResponder(
      List<String> idsSeen, java.util.function.IntFunction<Integer> failWith) throws Exception {
    AtomicInteger count = new AtomicInteger();
    MessageConsumer<PublishRequest> consumer =
        service
            .vertx()
            .eventBus()
            .consumer(
                Addresses.PUBLISH,
                message -> {
                  idsSeen.add(message.body().id());
                  Integer code = failWith.apply(count.incrementAndGet());
                  if (code == null) {
                    message.reply(
                        new PublishResult(
                            message.body().channel(), "e1", 7, Instant.now(), idsSeen.size() > 1));
                  } else if (code > 0) {
                    message.fail(code, "scripted " + code);
                  }
                  // code 0: no answer at all, the caller's attempt times out
                });
    consumers.add(consumer);
    await(consumer.completion());
  }

  @Test
  @DisplayName("client joins as a lite member: it owns no partition")
  void joinsAsLiteMember() {
    assertThat(service.hazelcast().getCluster().getMembers())
        .hasSize(2)
        .filteredOn(m -> m.isLiteMember())
        .hasSize(1);
    assertThat(client.nodeId()).isNotEqualTo(service.nodeId());
  }

  @Test
  @DisplayName("a publish answered 503 twice is retried with the same id and succeeds")
  void retriesUnavailableWithSameId() throws Exception {
    List<String> ids = new CopyOnWriteArrayList<>();
    publishResponder(ids, n -> n <= 2 ? ErrorCodes.UNAVAILABLE : null);
    PublishResult result =
        await(client.publish("room:r", "r-1", new JsonObject().put("n", 1), false));
    assertThat(result.seq()).isEqualTo(7);
    assertThat(ids).containsExactly("r-1", "r-1", "r-1");
  }

  @Test
  @DisplayName("an attempt that gets no answer times out after the attempt timeout and is retried")
  void retriesTimeout() throws Exception {
    List<String> ids = new CopyOnWriteArrayList<>();
    publishResponder(ids, n -> n == 1 ? 0 : null);
    long started = System.nanoTime();
    PublishResult result =
        await(
            client.publish(
                new PublishRequest(
                    "room:r", "t-1", JsonNodeFactory.instance.objectNode().put("n", 1), false)));
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(result.duplicate()).isTrue();
    assertThat(ids).containsExactly("t-1", "t-1");
    assertThat(millis).isGreaterThanOrEqualTo(500);
  }

  @Test
  @DisplayName("a 400 is final: one attempt, the failure code passed on")
  void badRequestIsFinal() throws Exception {
    List<String> ids = new CopyOnWriteArrayList<>();
    publishResponder(ids, n -> ErrorCodes.BAD_REQUEST);
    assertThatThrownBy(() -> await(client.publish("room:r", "b-1", new JsonObject(), false)))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
    assertThat(ids).containsExactly("b-1");
  }

  @Test
  @DisplayName(
      "a service that stays unavailable fails the request with its 503 once the deadline has passed")
  void deadline() throws Exception {
    List<String> ids = new CopyOnWriteArrayList<>();
    publishResponder(ids, n -> ErrorCodes.UNAVAILABLE);
    long started = System.nanoTime();
    assertThatThrownBy(() -> await(client.publish("room:r", "d-1", new JsonObject(), false)))
        .cause()
        .isInstanceOfSatisfying(
            ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(503));
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(millis).isBetween(1_400L, 3_500L);
    // 100, 200, 400, 800 ms pauses fit in 3 s; the next (1.6 s) does not.
    assertThat(ids).hasSizeBetween(4, 6).allMatch("d-1"::equals);
  }

  @Test
  @DisplayName("no responder yet (NO_HANDLERS) is retried until one registers")
  void retriesNoHandlers() throws Exception {
    service
        .vertx()
        .setTimer(
            400,
            t -> {
              MessageConsumer<HistoryRequest> consumer =
                  service
                      .vertx()
                      .eventBus()
                      .consumer(
                          Addresses.HISTORY,
                          message ->
                              message.reply(
                                  new HistoryPage(
                                      message.body().channel(),
                                      "e1",
                                      0,
                                      List.of(),
                                      false,
                                      null,
                                      new Position("e1", 0))));
              consumers.add(consumer);
            });
    HistoryPage page = await(client.history("room:late", null, null));
    assertThat(page.channel()).isEqualTo("room:late");
  }

  @Test
  @DisplayName("a responder that answers with a JSON object is read into the expected record")
  void jsonReply() throws Exception {
    MessageConsumer<Object> consumer =
        service
            .vertx()
            .eventBus()
            .consumer(
                Addresses.PUBLISH,
                message ->
                    message.reply(
                        new JsonObject()
                            .put("channel", "room:j")
                            .put("epoch", "e9")
                            .put("seq", 3)
                            .put("ts", "2026-12-04T00:00:00Z")
                            .put("duplicate", false)));
    consumers.add(consumer);
    await(consumer.completion());
    PublishResult result = await(client.publish("room:j", "j-1", new JsonObject(), false));
    assertThat(result)
        .isEqualTo(
            new PublishResult("room:j", "e9", 3, Instant.parse("2026-12-04T00:00:00Z"), false));
  }

  @Test
  @DisplayName("what is retried: timeouts, no handlers, 503 and 504; nothing else")
  void retryable() {
    assertThat(MeshBus.retryable(new ReplyException(ReplyFailure.TIMEOUT, "t"))).isTrue();
    assertThat(MeshBus.retryable(new ReplyException(ReplyFailure.NO_HANDLERS, "n"))).isTrue();
    assertThat(MeshBus.retryable(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503, "u")))
        .isTrue();
    assertThat(MeshBus.retryable(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 504, "u")))
        .isTrue();
    assertThat(MeshBus.retryable(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500, "u")))
        .isFalse();
    assertThat(MeshBus.retryable(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "u")))
        .isFalse();
    assertThat(MeshBus.retryable(new IllegalStateException("x"))).isFalse();
  }
}
