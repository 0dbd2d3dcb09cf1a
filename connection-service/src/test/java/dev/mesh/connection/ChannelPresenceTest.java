package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

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

@ExtendWith(VertxExtension.class)
@DisplayName("Channel presence through connection-service, with a real presence-service")
class ChannelPresenceTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static Future<TestClient> member(
      Vertx vertx, int port, String token, String page, String name) {
    return TestClient.connect(vertx, port, token, "s", "t-" + page, page)
        .compose(c -> c.welcome().map(w -> c))
        .compose(
            c ->
                c.send(
                        new JsonObject()
                            .put("type", "subscribe")
                            .put("id", "s1")
                            .put("channel", "room")
                            .put("presence", true)
                            .put("info", new JsonObject().put("name", name)))
                    .map(v -> c));
  }

  @Test
  @DisplayName(
      "subscribers across two nodes get a snapshot on subscribe and join/leave diffs, with member info")
  void joinAndLeaveAcrossNodes(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startPresence()
        .compose(p -> nodes.startReplay())
        .compose(
            r ->
                nodes
                    .start()
                    .compose(
                        a ->
                            nodes
                                .start()
                                .compose(
                                    b ->
                                        member(vertx, a.port(), tokens.valid("ann"), "p1", "Ann")
                                            .compose(
                                                ann ->
                                                    ann.awaitType("subscribed")
                                                        .compose(
                                                            annSubscribed ->
                                                                member(
                                                                        vertx,
                                                                        b.port(),
                                                                        tokens.valid("bob"),
                                                                        "p2",
                                                                        "Bob")
                                                                    .compose(
                                                                        bob ->
                                                                            bob.awaitType(
                                                                                    "subscribed")
                                                                                .compose(
                                                                                    bobSubscribed ->
                                                                                        ann.await(
                                                                                            f ->
                                                                                                "presence"
                                                                                                        .equals(
                                                                                                            f
                                                                                                                .getString(
                                                                                                                    "type"))
                                                                                                    && "join"
                                                                                                        .equals(
                                                                                                            f
                                                                                                                .getString(
                                                                                                                    "action"))
                                                                                                    && "bob"
                                                                                                        .equals(
                                                                                                            f.getJsonObject(
                                                                                                                    "member")
                                                                                                                .getString(
                                                                                                                    "userId"))))
                                                                                .compose(
                                                                                    joined ->
                                                                                        bob.send(
                                                                                                new JsonObject()
                                                                                                    .put(
                                                                                                        "type",
                                                                                                        "unsubscribe")
                                                                                                    .put(
                                                                                                        "id",
                                                                                                        "u1")
                                                                                                    .put(
                                                                                                        "channel",
                                                                                                        "room"))
                                                                                            .compose(
                                                                                                v ->
                                                                                                    ann
                                                                                                        .await(
                                                                                                            f ->
                                                                                                                "presence"
                                                                                                                        .equals(
                                                                                                                            f
                                                                                                                                .getString(
                                                                                                                                    "type"))
                                                                                                                    && "leave"
                                                                                                                        .equals(
                                                                                                                            f
                                                                                                                                .getString(
                                                                                                                                    "action"))))
                                                                                            .map(
                                                                                                left -> {
                                                                                                  test
                                                                                                      .verify(
                                                                                                          () -> {
                                                                                                            JsonObject
                                                                                                                first =
                                                                                                                    annSubscribed
                                                                                                                        .getJsonObject(
                                                                                                                            "presence");
                                                                                                            assertThat(
                                                                                                                    first
                                                                                                                        .getBoolean(
                                                                                                                            "joined"))
                                                                                                                .isTrue();
                                                                                                            assertThat(
                                                                                                                    first
                                                                                                                        .getInteger(
                                                                                                                            "count"))
                                                                                                                .isEqualTo(
                                                                                                                    1);
                                                                                                            JsonObject
                                                                                                                second =
                                                                                                                    bob.awaitType(
                                                                                                                            "subscribed")
                                                                                                                        .result()
                                                                                                                        .getJsonObject(
                                                                                                                            "presence");
                                                                                                            assertThat(
                                                                                                                    second
                                                                                                                        .getInteger(
                                                                                                                            "count"))
                                                                                                                .isEqualTo(
                                                                                                                    2);
                                                                                                            assertThat(
                                                                                                                    second
                                                                                                                        .getJsonArray(
                                                                                                                            "members")
                                                                                                                        .stream()
                                                                                                                        .map(
                                                                                                                            m ->
                                                                                                                                ((JsonObject)
                                                                                                                                        m)
                                                                                                                                    .getString(
                                                                                                                                        "userId"))
                                                                                                                        .toList())
                                                                                                                .contains(
                                                                                                                    "ann",
                                                                                                                    "bob");
                                                                                                            assertThat(
                                                                                                                    joined
                                                                                                                        .getJsonObject(
                                                                                                                            "member")
                                                                                                                        .getJsonObject(
                                                                                                                            "info")
                                                                                                                        .getString(
                                                                                                                            "name"))
                                                                                                                .isEqualTo(
                                                                                                                    "Bob");
                                                                                                            assertThat(
                                                                                                                    left.getJsonObject(
                                                                                                                            "member")
                                                                                                                        .getString(
                                                                                                                            "userId"))
                                                                                                                .isEqualTo(
                                                                                                                    "bob");
                                                                                                            assertThat(
                                                                                                                    ann
                                                                                                                        .framesOfType(
                                                                                                                            "presence")
                                                                                                                        .stream()
                                                                                                                        .filter(
                                                                                                                            f ->
                                                                                                                                "bob"
                                                                                                                                    .equals(
                                                                                                                                        f.getJsonObject(
                                                                                                                                                "member")
                                                                                                                                            .getString(
                                                                                                                                                "userId")))
                                                                                                                        .map(
                                                                                                                            f ->
                                                                                                                                f
                                                                                                                                    .getString(
                                                                                                                                        "action"))
                                                                                                                        .toList())
                                                                                                                .containsExactly(
                                                                                                                    "join",
                                                                                                                    "leave");
                                                                                                          });
                                                                                                  return left;
                                                                                                }))))))))
        .onComplete(test.succeedingThenComplete());
  }
}
