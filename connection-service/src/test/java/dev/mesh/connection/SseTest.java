package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.SseClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Server-Sent Events: same identity, auth, subscriptions and delivery as WebSocket")
class SseTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  @Test
  @DisplayName(
      "a stream subscribes from the URL, receives events with resume ids, and its POSTs get direct replies")
  void streamAndSends(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        a ->
                            nodes
                                .start()
                                .compose(
                                    b -> {
                                      ReplayClient publisher =
                                          new ReplayClient(replay.node().vertx());
                                      String token = tokens.valid("sia");
                                      return SseClient.open(
                                              vertx,
                                              a.port(),
                                              "session=s1&tab=t1&page=p1&channels=room",
                                              bearer(token))
                                          .compose(
                                              sse ->
                                                  sse.awaitType("welcome")
                                                      .compose(
                                                          welcome ->
                                                              sse.awaitType("subscribed")
                                                                  .compose(
                                                                      subscribed ->
                                                                          publisher
                                                                              .publish(
                                                                                  "room",
                                                                                  "e1",
                                                                                  JsonNodeFactory
                                                                                      .instance
                                                                                      .textNode(
                                                                                          "one"),
                                                                                  false)
                                                                              .compose(
                                                                                  v ->
                                                                                      sse.await(
                                                                                          e ->
                                                                                              e.type()
                                                                                                      .equals(
                                                                                                          "event")
                                                                                                  && e.data()
                                                                                                      .getString(
                                                                                                          "id")
                                                                                                      .equals(
                                                                                                          "e1")))
                                                                              .compose(
                                                                                  event -> {
                                                                                    String
                                                                                        connectionId =
                                                                                            welcome
                                                                                                .data()
                                                                                                .getString(
                                                                                                    "connectionId");
                                                                                    // POST through
                                                                                    // the OTHER
                                                                                    // node: it is
                                                                                    // forwarded to
                                                                                    // the node
                                                                                    // holding the
                                                                                    // stream.
                                                                                    SseClient viaB =
                                                                                        postClient(
                                                                                            vertx,
                                                                                            b
                                                                                                .port());
                                                                                    return viaB.post(
                                                                                            connectionId,
                                                                                            token,
                                                                                            new JsonObject()
                                                                                                .put(
                                                                                                    "type",
                                                                                                    "ping")
                                                                                                .put(
                                                                                                    "id",
                                                                                                    "p1"))
                                                                                        .compose(
                                                                                            pong ->
                                                                                                viaB.post(
                                                                                                        connectionId,
                                                                                                        token,
                                                                                                        new JsonObject()
                                                                                                            .put(
                                                                                                                "type",
                                                                                                                "publish")
                                                                                                            .put(
                                                                                                                "id",
                                                                                                                "m1")
                                                                                                            .put(
                                                                                                                "channel",
                                                                                                                "room")
                                                                                                            .put(
                                                                                                                "data",
                                                                                                                new JsonObject()
                                                                                                                    .put(
                                                                                                                        "t",
                                                                                                                        1)))
                                                                                                    .compose(
                                                                                                        published ->
                                                                                                            viaB.post(
                                                                                                                    connectionId,
                                                                                                                    tokens
                                                                                                                        .valid(
                                                                                                                            "mallory"),
                                                                                                                    new JsonObject()
                                                                                                                        .put(
                                                                                                                            "type",
                                                                                                                            "ping"))
                                                                                                                .compose(
                                                                                                                    stranger ->
                                                                                                                        viaB.post(
                                                                                                                                "no-such-connection",
                                                                                                                                token,
                                                                                                                                new JsonObject()
                                                                                                                                    .put(
                                                                                                                                        "type",
                                                                                                                                        "ping"))
                                                                                                                            .compose(
                                                                                                                                unknown ->
                                                                                                                                    viaB.post(
                                                                                                                                            connectionId,
                                                                                                                                            token,
                                                                                                                                            new JsonObject()
                                                                                                                                                .put(
                                                                                                                                                    "type",
                                                                                                                                                    "teleport"))
                                                                                                                                        .map(
                                                                                                                                            bad -> {
                                                                                                                                              test
                                                                                                                                                  .verify(
                                                                                                                                                      () -> {
                                                                                                                                                        assertThat(
                                                                                                                                                                welcome
                                                                                                                                                                    .data()
                                                                                                                                                                    .getString(
                                                                                                                                                                        "userId"))
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                "sia");
                                                                                                                                                        assertThat(
                                                                                                                                                                subscribed
                                                                                                                                                                    .id())
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                "room~"
                                                                                                                                                                    + subscribed
                                                                                                                                                                        .data()
                                                                                                                                                                        .getJsonObject(
                                                                                                                                                                            "position")
                                                                                                                                                                        .getString(
                                                                                                                                                                            "epoch")
                                                                                                                                                                    + ":0");
                                                                                                                                                        assertThat(
                                                                                                                                                                event
                                                                                                                                                                    .id())
                                                                                                                                                            .endsWith(
                                                                                                                                                                ":1");
                                                                                                                                                        assertThat(
                                                                                                                                                                pong
                                                                                                                                                                    .getKey())
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                200);
                                                                                                                                                        assertThat(
                                                                                                                                                                new JsonObject(
                                                                                                                                                                        pong
                                                                                                                                                                            .getValue())
                                                                                                                                                                    .getString(
                                                                                                                                                                        "id"))
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                "p1");
                                                                                                                                                        assertThat(
                                                                                                                                                                published
                                                                                                                                                                    .getKey())
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                200);
                                                                                                                                                        assertThat(
                                                                                                                                                                new JsonObject(
                                                                                                                                                                        published
                                                                                                                                                                            .getValue())
                                                                                                                                                                    .getLong(
                                                                                                                                                                        "seq"))
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                2L);
                                                                                                                                                        assertThat(
                                                                                                                                                                stranger
                                                                                                                                                                    .getKey())
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                404);
                                                                                                                                                        assertThat(
                                                                                                                                                                unknown
                                                                                                                                                                    .getKey())
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                404);
                                                                                                                                                        assertThat(
                                                                                                                                                                bad
                                                                                                                                                                    .getKey())
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                400);
                                                                                                                                                        assertThat(
                                                                                                                                                                new JsonObject(
                                                                                                                                                                        bad
                                                                                                                                                                            .getValue())
                                                                                                                                                                    .getString(
                                                                                                                                                                        "code"))
                                                                                                                                                            .isEqualTo(
                                                                                                                                                                "unknown-type");
                                                                                                                                                      });
                                                                                                                                              return bad;
                                                                                                                                            })))));
                                                                                  }))));
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName("reconnecting with Last-Event-ID resumes exactly the events missed, on another node")
  void resumeWithLastEventId(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        a ->
                            nodes
                                .start()
                                .compose(
                                    b -> {
                                      ReplayClient publisher =
                                          new ReplayClient(replay.node().vertx());
                                      String token = tokens.valid("ray");
                                      return SseClient.open(
                                              vertx,
                                              a.port(),
                                              "session=s1&tab=t1&page=p1&channels=news",
                                              bearer(token))
                                          .compose(
                                              first ->
                                                  first
                                                      .awaitType("subscribed")
                                                      .compose(
                                                          v ->
                                                              publisher.publish(
                                                                  "news",
                                                                  "n1",
                                                                  JsonNodeFactory.instance
                                                                      .numberNode(1),
                                                                  false))
                                                      .compose(
                                                          v ->
                                                              first.await(
                                                                  e -> "event".equals(e.type())))
                                                      .compose(
                                                          seen -> {
                                                            first.close();
                                                            return publisher
                                                                .publish(
                                                                    "news",
                                                                    "n2",
                                                                    JsonNodeFactory.instance
                                                                        .numberNode(2),
                                                                    false)
                                                                .compose(
                                                                    v ->
                                                                        publisher.publish(
                                                                            "news",
                                                                            "n3",
                                                                            JsonNodeFactory.instance
                                                                                .numberNode(3),
                                                                            false))
                                                                .compose(
                                                                    v ->
                                                                        SseClient.open(
                                                                            vertx,
                                                                            b.port(),
                                                                            "session=s1&tab=t1&page=p2",
                                                                            Map.of(
                                                                                "Authorization",
                                                                                "Bearer " + token,
                                                                                "Last-Event-ID",
                                                                                seen.id())))
                                                                .compose(
                                                                    second ->
                                                                        second
                                                                            .await(
                                                                                e ->
                                                                                    "event"
                                                                                            .equals(
                                                                                                e
                                                                                                    .type())
                                                                                        && "n3"
                                                                                            .equals(
                                                                                                e.data()
                                                                                                    .getString(
                                                                                                        "id")))
                                                                            .map(
                                                                                last -> {
                                                                                  List<String> ids =
                                                                                      second
                                                                                          .events()
                                                                                          .stream()
                                                                                          .filter(
                                                                                              e ->
                                                                                                  "event"
                                                                                                      .equals(
                                                                                                          e
                                                                                                              .type()))
                                                                                          .map(
                                                                                              e ->
                                                                                                  e.data()
                                                                                                      .getString(
                                                                                                          "id"))
                                                                                          .toList();
                                                                                  test.verify(
                                                                                      () ->
                                                                                          assertThat(
                                                                                                  ids)
                                                                                              .containsExactly(
                                                                                                  "n2",
                                                                                                  "n3"));
                                                                                  return ids;
                                                                                }));
                                                          }));
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a resume of 100 missed events is one events frame whose id is the position after its last event")
  void resumeIsOneBatch(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge -> {
                          ReplayClient publisher = new ReplayClient(replay.node().vertx());
                          String token = tokens.valid("bea");
                          return ResumeTest.publishSequentially(publisher, "digest", "d", 100)
                              .compose(
                                  last ->
                                      SseClient.open(
                                              vertx,
                                              edge.port(),
                                              "session=s1&tab=t1&page=p1&resume=digest~"
                                                  + last.epoch()
                                                  + ":0",
                                              bearer(token))
                                          .compose(
                                              sse ->
                                                  sse.await(
                                                          e ->
                                                              "event".equals(e.type())
                                                                  && e.data().getLong("seq")
                                                                      == 100L)
                                                      .map(
                                                          hundredth -> {
                                                            List<SseClient.Event> batches =
                                                                sse.wireEvents().stream()
                                                                    .filter(
                                                                        e ->
                                                                            "events"
                                                                                .equals(e.type()))
                                                                    .toList();
                                                            List<Long> seqs =
                                                                sse.events().stream()
                                                                    .filter(
                                                                        e ->
                                                                            "event"
                                                                                .equals(e.type()))
                                                                    .map(
                                                                        e ->
                                                                            e.data().getLong("seq"))
                                                                    .toList();
                                                            test.verify(
                                                                () -> {
                                                                  assertThat(batches).hasSize(1);
                                                                  assertThat(batches.get(0).id())
                                                                      .isEqualTo(
                                                                          "digest~"
                                                                              + last.epoch()
                                                                              + ":100");
                                                                  assertThat(seqs)
                                                                      .containsExactlyElementsOf(
                                                                          java.util.stream
                                                                              .LongStream
                                                                              .rangeClosed(1, 100)
                                                                              .boxed()
                                                                              .toList());
                                                                });
                                                            return sse;
                                                          })));
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "no credential is 401, bad identity is 400 with an error frame; a stream without POSTs is a zombie")
  void refusalsAndZombie(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    Promise<ConnectionClosed> closed = Promise.promise();
    nodes
        .start(o -> o.withHeartbeat(Duration.ofMillis(300), Duration.ofMillis(300)))
        .compose(
            // A clustered publish reaches a consumer only once its registration is known
            // cluster-wide: the stream is opened after that, or on a loaded machine its close could
            // be published before anyone listens.
            edge ->
                edge.running()
                    .node()
                    .vertx()
                    .eventBus()
                    .<Object>consumer(
                        Addresses.CONNECTION_EVENTS,
                        m -> {
                          if (m.body() instanceof ConnectionClosed c) {
                            closed.tryComplete(c);
                          }
                        })
                    .completion()
                    .map(registered -> edge))
        .compose(
            edge -> {
              Future<String> missing =
                  SseClient.open(vertx, edge.port(), "session=s&tab=t&page=p", Map.of())
                      .transform(
                          ar ->
                              Future.succeededFuture(
                                  ar.failed() ? ar.cause().getMessage() : "opened"));
              Future<String> badIdentity =
                  SseClient.open(vertx, edge.port(), "session=s&tab=t", bearer(tokens.valid("x")))
                      .transform(
                          ar ->
                              Future.succeededFuture(
                                  ar.failed() ? ar.cause().getMessage() : "opened"));
              Future<SseClient> silent =
                  SseClient.open(
                      vertx, edge.port(), "session=s&tab=t&page=p", bearer(tokens.valid("z")));
              return Future.all(missing, badIdentity, silent)
                  .compose(v -> silent.result().ended())
                  .compose(v -> closed.future())
                  .map(
                      c -> {
                        test.verify(
                            () -> {
                              assertThat(missing.result()).startsWith("HTTP 401");
                              assertThat(badIdentity.result())
                                  .startsWith("HTTP 400")
                                  .contains("invalid-field")
                                  .contains("page");
                              assertThat(c.reason()).isEqualTo(CloseReason.HEARTBEAT_TIMEOUT);
                              assertThat(silent.result().comments())
                                  .as("comment heartbeats")
                                  .isPositive();
                            });
                        return c;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static SseClient postClient(Vertx vertx, int port) {
    return SseClient.forPosts(vertx, port);
  }
}
