package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Routing across two connection nodes")
class RoutingTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static Future<TestClient> subscribed(
      Vertx vertx, int port, String token, String page, String channel) {
    return TestClient.connect(vertx, port, token, "s", "t-" + page, page)
        .compose(c -> c.welcome().map(w -> c))
        .compose(
            c ->
                c.send(
                        new JsonObject()
                            .put("type", "subscribe")
                            .put("id", "sub1")
                            .put("channel", channel))
                    .compose(v -> c.awaitType("subscribed"))
                    .map(s -> c));
  }

  private static List<String> eventIds(TestClient client, String channel) {
    return client.framesOfType("event").stream()
        .filter(e -> channel.equals(e.getString("channel")))
        .map(e -> e.getString("id"))
        .toList();
  }

  @Test
  @DisplayName(
      "a message sent to a user reaches every tab of that user on both nodes exactly once, in order")
  void sendToUserReachesAllTabs(Vertx vertx, VertxTestContext test) {
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
                                      Future<TestClient> tabA =
                                          subscribed(
                                              vertx, a.port(), tokens.valid("u1"), "pa", "user:u1");
                                      Future<TestClient> tabB =
                                          subscribed(
                                              vertx, b.port(), tokens.valid("u1"), "pb", "user:u1");
                                      Future<TestClient> stranger =
                                          subscribed(
                                              vertx, b.port(), tokens.valid("u2"), "pc", "user:u2");
                                      BusClient bus = new BusClient(replay.node().vertx());
                                      return Future.all(tabA, tabB, stranger)
                                          .compose(
                                              v ->
                                                  bus.request(
                                                      Addresses.SEND_TO_USER,
                                                      new SendToUser(
                                                          "u1",
                                                          "m1",
                                                          JsonNodeFactory.instance
                                                              .objectNode()
                                                              .put("text", "one"),
                                                          false,
                                                          "test"),
                                                      SendResult.class))
                                          .compose(
                                              first ->
                                                  bus.request(
                                                      Addresses.SEND_TO_USER,
                                                      new SendToUser(
                                                          "u1",
                                                          "m2",
                                                          JsonNodeFactory.instance
                                                              .objectNode()
                                                              .put("text", "two"),
                                                          false,
                                                          "test"),
                                                      SendResult.class))
                                          .compose(
                                              second ->
                                                  Future.all(
                                                          tabA.result()
                                                              .await(
                                                                  f ->
                                                                      "m2"
                                                                          .equals(
                                                                              f.getString("id"))),
                                                          tabB.result()
                                                              .await(
                                                                  f ->
                                                                      "m2"
                                                                          .equals(
                                                                              f.getString("id"))))
                                                      .map(
                                                          v -> {
                                                            test.verify(
                                                                () -> {
                                                                  assertThat(second.connections())
                                                                      .isEqualTo(2);
                                                                  assertThat(second.seq())
                                                                      .isEqualTo(2);
                                                                  assertThat(
                                                                          eventIds(
                                                                              tabA.result(),
                                                                              "user:u1"))
                                                                      .containsExactly("m1", "m2");
                                                                  assertThat(
                                                                          eventIds(
                                                                              tabB.result(),
                                                                              "user:u1"))
                                                                      .containsExactly("m1", "m2");
                                                                  assertThat(
                                                                          stranger
                                                                              .result()
                                                                              .framesOfType(
                                                                                  "event"))
                                                                      .isEmpty();
                                                                });
                                                            return v;
                                                          }));
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a channel broadcast reaches every subscriber on both nodes once, in order; a private channel is refused")
  void broadcastAcrossNodes(Vertx vertx, VertxTestContext test) {
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
                                      Future<TestClient> c1 =
                                          subscribed(
                                              vertx, a.port(), tokens.valid("c1"), "p1", "room");
                                      Future<TestClient> c2 =
                                          subscribed(
                                              vertx, b.port(), tokens.valid("c2"), "p2", "room");
                                      Future<TestClient> c3 =
                                          subscribed(
                                              vertx, b.port(), tokens.valid("c3"), "p3", "room");
                                      ReplayClient replayClient =
                                          new ReplayClient(replay.node().vertx());
                                      return Future.all(c1, c2, c3)
                                          .compose(
                                              v ->
                                                  replayClient.publish(
                                                      "room",
                                                      "e1",
                                                      JsonNodeFactory.instance.textNode("first"),
                                                      false))
                                          .compose(
                                              v ->
                                                  replayClient.publish(
                                                      "room",
                                                      "e2",
                                                      JsonNodeFactory.instance.textNode("second"),
                                                      false))
                                          .compose(
                                              v ->
                                                  Future.all(
                                                      List.of(c1, c2, c3).stream()
                                                          .map(
                                                              c ->
                                                                  c.result()
                                                                      .await(
                                                                          f ->
                                                                              "e2"
                                                                                  .equals(
                                                                                      f.getString(
                                                                                          "id"))))
                                                          .toList()))
                                          .compose(
                                              v ->
                                                  c1.result()
                                                      .send(
                                                          new JsonObject()
                                                              .put("type", "subscribe")
                                                              .put("id", "x9")
                                                              .put("channel", "user:c2")))
                                          .compose(
                                              v ->
                                                  c1.result()
                                                      .await(
                                                          f -> "error".equals(f.getString("type"))))
                                          .map(
                                              error -> {
                                                test.verify(
                                                    () -> {
                                                      for (Future<TestClient> c :
                                                          List.of(c1, c2, c3)) {
                                                        assertThat(eventIds(c.result(), "room"))
                                                            .containsExactly("e1", "e2");
                                                      }
                                                      assertThat(error.getString("code"))
                                                          .isEqualTo("forbidden");
                                                      assertThat(error.getString("id"))
                                                          .isEqualTo("x9");
                                                      assertThat(
                                                              a.service()
                                                                  .edge()
                                                                  .router()
                                                                  .channelCount())
                                                          .isEqualTo(1);
                                                    });
                                                return error;
                                              });
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a client publish is positioned by replay, acknowledged, and delivered to subscribers on both nodes")
  void clientPublish(Vertx vertx, VertxTestContext test) {
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
                                      Future<TestClient> publisher =
                                          subscribed(
                                              vertx, a.port(), tokens.valid("pub"), "p1", "chat:x");
                                      Future<TestClient> reader =
                                          subscribed(
                                              vertx, b.port(), tokens.valid("rdr"), "p2", "chat:x");
                                      return Future.all(publisher, reader)
                                          .compose(
                                              v ->
                                                  publisher
                                                      .result()
                                                      .send(
                                                          new JsonObject()
                                                              .put("type", "publish")
                                                              .put("id", "msg-1")
                                                              .put("channel", "chat:x")
                                                              .put(
                                                                  "data",
                                                                  new JsonObject()
                                                                      .put("text", "hi"))))
                                          .compose(v -> publisher.result().awaitType("published"))
                                          .compose(
                                              published ->
                                                  publisher
                                                      .result()
                                                      .send(
                                                          new JsonObject()
                                                              .put("type", "publish")
                                                              .put("id", "msg-1")
                                                              .put("channel", "chat:x")
                                                              .put(
                                                                  "data",
                                                                  new JsonObject()
                                                                      .put("text", "hi")))
                                                      .compose(
                                                          v ->
                                                              publisher
                                                                  .result()
                                                                  .await(
                                                                      f ->
                                                                          "published"
                                                                                  .equals(
                                                                                      f.getString(
                                                                                          "type"))
                                                                              && f.getBoolean(
                                                                                  "duplicate",
                                                                                  false)))
                                                      .compose(
                                                          dup ->
                                                              reader
                                                                  .result()
                                                                  .await(
                                                                      f ->
                                                                          "msg-1"
                                                                              .equals(
                                                                                  f.getString(
                                                                                      "id")))
                                                                  .map(
                                                                      event -> {
                                                                        test.verify(
                                                                            () -> {
                                                                              assertThat(
                                                                                      published
                                                                                          .getLong(
                                                                                              "seq"))
                                                                                  .isEqualTo(1L);
                                                                              assertThat(
                                                                                      dup.getLong(
                                                                                          "seq"))
                                                                                  .isEqualTo(1L);
                                                                              assertThat(
                                                                                      event
                                                                                          .getJsonObject(
                                                                                              "data")
                                                                                          .getString(
                                                                                              "text"))
                                                                                  .isEqualTo("hi");
                                                                              assertThat(
                                                                                      event.getLong(
                                                                                          "seq"))
                                                                                  .isEqualTo(1L);
                                                                            });
                                                                        return event;
                                                                      })));
                                    })))
        .onComplete(test.succeedingThenComplete());
  }
}
