package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

  @Test
  @DisplayName(
      "on two event loops: diffs reach the subscribers of both, and only channel changes are decoded")
  void presenceOnTwoLoops(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    List<TestClient> members = new ArrayList<>();
    Set<Integer> loops = new HashSet<>();
    nodes
        .startPresence()
        .compose(p -> nodes.startReplay())
        .compose(r -> nodes.start(o -> o.withEventLoops(2)))
        .compose(
            edge -> {
              EdgeNode node = edge.service().edge().node();
              Future<Void> chain = Future.succeededFuture();
              // One after the other, so that the loops take them in turn.
              for (String user : List.of("ann", "bob", "cat")) {
                chain =
                    chain
                        .compose(
                            v ->
                                TestClient.connect(
                                    vertx, edge.port(), tokens.valid(user), "s", "t", "p-" + user))
                        .compose(
                            client ->
                                client
                                    .welcome()
                                    .compose(
                                        welcome -> {
                                          members.add(client);
                                          loops.add(
                                              node.loops()
                                                  .indexOf(
                                                      node.owner(
                                                          welcome.getString("connectionId"))));
                                          return client.send(
                                              new JsonObject()
                                                  .put("type", "subscribe")
                                                  .put("id", "s1")
                                                  .put("channel", "room")
                                                  .put("presence", true));
                                        })
                                    .compose(v -> client.awaitType("subscribed"))
                                    .mapEmpty());
              }
              return chain
                  .compose(
                      v ->
                          Future.all(
                              members.subList(0, 2).stream()
                                  .map(
                                      member ->
                                          member.await(
                                              f ->
                                                  "presence".equals(f.getString("type"))
                                                      && "join".equals(f.getString("action"))
                                                      && "cat"
                                                          .equals(
                                                              f.getJsonObject("member")
                                                                  .getString("userId"))))
                                  .toList()))
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              assertThat(loops).as("loops holding members").contains(0, 1);
                              // Three joins decoded; the three users' "online" changes were not.
                              assertThat(edge.service().edge().presenceRouter().decoded())
                                  .as("presence changes decoded by the node")
                                  .isEqualTo(3);
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }
}
