package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.auth.AuthorizeDecision;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Graceful shutdown")
class ShutdownTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  @Test
  @DisplayName(
      "every client gets goodbye + 1001 with a jittered retry-after hint, and no registry entry is left")
  void goingAway(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            survivor ->
                nodes
                    .start()
                    .compose(
                        stopping -> {
                          List<Future<TestClient>> clients = new ArrayList<>();
                          for (int i = 0; i < 5; i++) {
                            clients.add(
                                TestClient.connect(
                                        vertx,
                                        stopping.port(),
                                        tokens.valid("u" + i),
                                        "s",
                                        "t",
                                        "p" + i)
                                    .compose(c -> c.welcome().map(w -> c)));
                          }
                          return Future.all(clients)
                              .compose(v -> stopping.running().stop())
                              .compose(
                                  v ->
                                      Future.all(
                                          clients.stream().map(c -> c.result().closed()).toList()))
                              .compose(
                                  v ->
                                      survivor
                                          .running()
                                          .node()
                                          .vertx()
                                          .executeBlocking(
                                              () ->
                                                  Registry.users(
                                                          survivor.running().node().hazelcast())
                                                      .size()))
                              .map(
                                  registrySize -> {
                                    test.verify(
                                        () -> {
                                          for (Future<TestClient> client : clients) {
                                            assertThat(client.result().closed().result())
                                                .isEqualTo(CloseCode.GOING_AWAY.code());
                                            JsonObject goodbye =
                                                client.result().awaitType("goodbye").result();
                                            assertThat(goodbye.getString("reason"))
                                                .isEqualTo("server-shutdown");
                                            // forTest() spreads hints over 200 ms
                                            assertThat(goodbye.getLong("retryAfterMs"))
                                                .isBetween(0L, 200L);
                                          }
                                          assertThat(registrySize)
                                              .as("registry entries after shutdown")
                                              .isZero();
                                        });
                                    return registrySize;
                                  });
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  /**
   * A drain closes the open connections; one still being admitted is not open yet, so the drain
   * does not see it. The test holds that admission in the connect authoriser, begins the drain,
   * then lets the admission finish: the connection must be sent on, never welcomed on a node that
   * is going away, and must leave no registry entry behind.
   */
  @Test
  @DisplayName(
      "a connection whose admission ends while the node drains gets goodbye + 1001, never welcome")
  void admittedWhileDraining(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    Promise<Message<AuthorizeRequest>> heldConnect = Promise.promise();
    nodes
        .start(o -> o.withAuth(o.auth().withAuthorizer(AuthOptions.AUTHORIZER_BUS)))
        .compose(
            edge -> {
              MeshNode node = edge.running().node();
              MessageConsumer<AuthorizeRequest> authoriser =
                  node.vertx()
                      .eventBus()
                      .consumer(
                          Addresses.AUTHORIZE,
                          m -> {
                            if ("late".equals(m.body().identity().userId())) {
                              heldConnect.tryComplete(m);
                            } else {
                              m.reply(new AuthorizeDecision(true, null, 0));
                            }
                          });
              // The upgrade is accepted before admission; the client's first frame tells.
              Future<TestClient> connecting =
                  authoriser
                      .completion()
                      .compose(
                          v ->
                              TestClient.connect(
                                  vertx, edge.port(), tokens.valid("late"), "s", "t", "p"));
              return heldConnect
                  .future()
                  .compose(
                      held -> {
                        edge.service().edge().node().draining(true);
                        held.reply(new AuthorizeDecision(true, null, 0));
                        return connecting;
                      })
                  .compose(
                      late ->
                          late.await(
                                  f ->
                                      "welcome".equals(f.getString("type"))
                                          || "goodbye".equals(f.getString("type")))
                              .compose(
                                  first ->
                                      "welcome".equals(first.getString("type"))
                                          ? Future.failedFuture(
                                              "the late page was welcomed on a draining node")
                                          : late.closed()
                                              .compose(
                                                  code ->
                                                      node.vertx()
                                                          .executeBlocking(
                                                              () ->
                                                                  Registry.users(node.hazelcast())
                                                                      .get("late")))
                                              .map(
                                                  entry -> {
                                                    test.verify(
                                                        () -> {
                                                          assertThat(first.getString("type"))
                                                              .as(
                                                                  "the first frame of the late page")
                                                              .isEqualTo("goodbye");
                                                          assertThat(first.getString("reason"))
                                                              .isEqualTo("server-shutdown");
                                                          assertThat(late.closed().result())
                                                              .isEqualTo(
                                                                  CloseCode.GOING_AWAY.code());
                                                          assertThat(
                                                                  entry == null || entry.isEmpty())
                                                              .as(
                                                                  "no registry entry for the late page")
                                                              .isTrue();
                                                        });
                                                    return entry;
                                                  })));
            })
        .onComplete(test.succeedingThenComplete());
  }
}
