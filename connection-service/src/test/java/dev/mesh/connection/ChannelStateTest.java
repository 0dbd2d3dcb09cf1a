package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.replay.store.ReplayMaps;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Replicated state a user can make (issue 12, item 7): subscribing creates no channel; a channel's
 * first publish continues the subscriber's unborn position without a reset; a user creates channels
 * only up to the limit; every event names the publisher the server verified, whatever the client
 * wrote.
 */
@ExtendWith(VertxExtension.class)
@DisplayName(
    "Channel state: reads create nothing, creation is capped per user, publishers are attested")
class ChannelStateTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static JsonObject subscribe(String id, String channel) {
    return new JsonObject().put("type", "subscribe").put("id", id).put("channel", channel);
  }

  private static JsonObject publish(String id, String channel, Object data) {
    return new JsonObject()
        .put("type", "publish")
        .put("id", id)
        .put("channel", channel)
        .put("data", data);
  }

  @Test
  @DisplayName(
      "subscribing to a channel nobody published to stores nothing; its first event arrives without a reset")
  void subscribingCreatesNothing(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge ->
                            TestClient.connect(
                                    vertx, edge.port(), tokens.valid("sue"), "s", "t", "p")
                                .compose(
                                    client ->
                                        client
                                            .welcome()
                                            .compose(w -> client.send(subscribe("q1", "fresh:1")))
                                            .compose(
                                                v ->
                                                    client.await(
                                                        f -> "q1".equals(f.getString("id"))))
                                            .compose(
                                                subscribed -> {
                                                  var channels =
                                                      ReplayMaps.channels(
                                                          replay.node().hazelcast());
                                                  test.verify(
                                                      () -> {
                                                        assertThat(subscribed.getString("type"))
                                                            .isEqualTo("subscribed");
                                                        assertThat(
                                                                subscribed.getJsonObject(
                                                                    "position"))
                                                            .isEqualTo(
                                                                new JsonObject()
                                                                    .put("epoch", "0")
                                                                    .put("seq", 0));
                                                        assertThat(channels.containsKey("fresh:1"))
                                                            .as("a channel entry after a subscribe")
                                                            .isFalse();
                                                      });
                                                  return new ReplayClient(replay.node().vertx())
                                                      .publish(
                                                          "fresh:1",
                                                          "first",
                                                          JsonNodeFactory.instance.textNode(
                                                              "hello"),
                                                          false)
                                                      .compose(v -> client.awaitType("event"))
                                                      .map(
                                                          event -> {
                                                            test.verify(
                                                                () -> {
                                                                  assertThat(event.getLong("seq"))
                                                                      .isEqualTo(1L);
                                                                  assertThat(
                                                                          event.getString("epoch"))
                                                                      .isNotEqualTo("0");
                                                                  assertThat(client.frames())
                                                                      .extracting(
                                                                          f -> f.getString("type"))
                                                                      .doesNotContain("reset");
                                                                  assertThat(
                                                                          event.containsKey(
                                                                              "userId"))
                                                                      .as(
                                                                          "a service's event names no user")
                                                                      .isFalse();
                                                                });
                                                            return event;
                                                          });
                                                }))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a user creates at most MESH_MAX_CHANNELS_PER_USER channels: the next new one is too-many-channels, existing ones stay open")
  void creationIsCapped(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay(o -> o.withMaxChannelsPerUser(2))
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge ->
                            TestClient.connect(
                                    vertx, edge.port(), tokens.valid("cap"), "s", "t", "p")
                                .compose(
                                    client ->
                                        client
                                            .welcome()
                                            .compose(w -> client.send(publish("m1", "new:1", 1)))
                                            .compose(
                                                v ->
                                                    client.await(
                                                        f -> "m1".equals(f.getString("id"))))
                                            .compose(v -> client.send(publish("m2", "new:2", 2)))
                                            .compose(
                                                v ->
                                                    client.await(
                                                        f -> "m2".equals(f.getString("id"))))
                                            .compose(v -> client.send(publish("m3", "new:3", 3)))
                                            .compose(
                                                v ->
                                                    client.await(
                                                        f -> "m3".equals(f.getString("id"))))
                                            .compose(
                                                refused ->
                                                    client
                                                        .send(publish("m4", "new:1", 4))
                                                        .compose(
                                                            v ->
                                                                client.await(
                                                                    f ->
                                                                        "m4"
                                                                            .equals(
                                                                                f.getString("id"))))
                                                        .compose(
                                                            again ->
                                                                new ReplayClient(
                                                                        replay.node().vertx())
                                                                    .publish(
                                                                        "new:9",
                                                                        "svc",
                                                                        JsonNodeFactory.instance
                                                                            .numberNode(9),
                                                                        false)
                                                                    .map(
                                                                        service -> {
                                                                          var channels =
                                                                              ReplayMaps.channels(
                                                                                  replay
                                                                                      .node()
                                                                                      .hazelcast());
                                                                          test.verify(
                                                                              () -> {
                                                                                assertThat(
                                                                                        refused
                                                                                            .getString(
                                                                                                "type"))
                                                                                    .isEqualTo(
                                                                                        "error");
                                                                                assertThat(
                                                                                        refused
                                                                                            .getString(
                                                                                                "code"))
                                                                                    .isEqualTo(
                                                                                        "too-many-channels");
                                                                                assertThat(
                                                                                        again
                                                                                            .getString(
                                                                                                "type"))
                                                                                    .as(
                                                                                        "publish to an existing channel")
                                                                                    .isEqualTo(
                                                                                        "published");
                                                                                assertThat(
                                                                                        channels
                                                                                            .containsKey(
                                                                                                "new:3"))
                                                                                    .isFalse();
                                                                                assertThat(
                                                                                        service
                                                                                            .seq())
                                                                                    .as(
                                                                                        "services are not capped")
                                                                                    .isEqualTo(1L);
                                                                              });
                                                                          return service;
                                                                        }))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "every event carries the publisher's verified userId and connectionId; what the client writes is ignored")
  void publisherIsAttested(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge -> {
                          Future<TestClient> reader =
                              TestClient.connect(
                                  vertx, edge.port(), tokens.valid("rea"), "s", "t", "p1");
                          Future<TestClient> writer =
                              TestClient.connect(
                                  vertx, edge.port(), tokens.valid("ann"), "s", "t", "p2");
                          return Future.all(reader, writer)
                              .compose(v -> reader.result().welcome())
                              .compose(v -> writer.result().welcome())
                              .compose(
                                  writerWelcome ->
                                      reader
                                          .result()
                                          .send(subscribe("q", "room:a"))
                                          .compose(
                                              v ->
                                                  reader
                                                      .result()
                                                      .await(f -> "q".equals(f.getString("id"))))
                                          .compose(
                                              v ->
                                                  writer
                                                      .result()
                                                      .send(
                                                          publish(
                                                                  "w1",
                                                                  "room:a",
                                                                  new JsonObject()
                                                                      .put("from", "mallory"))
                                                              .put("userId", "mallory")
                                                              .put("connectionId", "forged")))
                                          .compose(v -> reader.result().awaitType("event"))
                                          .map(
                                              event -> {
                                                test.verify(
                                                    () -> {
                                                      assertThat(event.getString("userId"))
                                                          .isEqualTo("ann");
                                                      assertThat(event.getString("connectionId"))
                                                          .isEqualTo(
                                                              writerWelcome.getString(
                                                                  "connectionId"));
                                                      assertThat(
                                                              event
                                                                  .getJsonObject("data")
                                                                  .getString("from"))
                                                          .as("the data is the client's own")
                                                          .isEqualTo("mallory");
                                                    });
                                                return event;
                                              }));
                        }))
        .onComplete(test.succeedingThenComplete());
  }
}
