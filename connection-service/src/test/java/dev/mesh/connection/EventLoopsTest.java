package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UserConnections;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.edge.EdgeLoop;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.routing.ChannelRouter;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The edge on two event loops (MESH_EVENT_LOOPS=2): what crosses loops keeps every invariant.
 * Vert.x hands the connections accepted on the shared port to the loops in turn, so consecutive
 * connections land on different loops; each test checks that they did ({@link EdgeNode#owner})
 * before relying on it.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The edge on 2 event loops")
class EventLoopsTest {

  private static final int LOOPS = 2;

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private Future<EdgeNodes.Edge> start() {
    return nodes.start(o -> o.withEventLoops(LOOPS));
  }

  private static Future<TestClient> connect(
      Vertx vertx, int port, String token, String page, long attempt) {
    return TestClient.connect(
        vertx,
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/ws?session=s&tab=t-" + page + "&page=" + page + "&attempt=" + attempt)
            .addHeader("Authorization", "Bearer " + token));
  }

  /** The index of the loop holding a welcomed connection. */
  private static int loopOf(EdgeNodes.Edge edge, JsonObject welcome) {
    EdgeNode node = edge.service().edge().node();
    EdgeLoop owner = node.owner(welcome.getString("connectionId"));
    return owner == null ? -1 : node.loops().indexOf(owner);
  }

  private static Future<List<RegistryEntry>> registry(EdgeNodes.Edge edge) {
    return edge.running()
        .node()
        .vertx()
        .executeBlocking(
            () ->
                Registry.users(edge.running().node().hazelcast()).values().stream()
                    .flatMap((UserConnections u) -> u.connections().stream())
                    .toList());
  }

  @Test
  @DisplayName(
      "the same page reconnecting lands on the other loop and replaces the old connection there (4504)")
  void samePageReplacedOnAnotherLoop(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String token = tokens.valid("amy");
    start()
        .compose(
            edge ->
                connect(vertx, edge.port(), token, "page-1", 1)
                    .compose(
                        old ->
                            old.welcome()
                                .compose(
                                    oldWelcome -> {
                                      // Read before the new connection replaces it (then it is no
                                      // longer on any loop).
                                      int oldLoop = loopOf(edge, oldWelcome);
                                      return connect(vertx, edge.port(), token, "page-1", 2)
                                          .compose(
                                              fresh ->
                                                  fresh
                                                      .welcome()
                                                      .compose(
                                                          welcome -> {
                                                            int newLoop = loopOf(edge, welcome);
                                                            return old.closed()
                                                                .compose(
                                                                    code ->
                                                                        registry(edge)
                                                                            .map(
                                                                                entries -> {
                                                                                  test.verify(
                                                                                      () -> {
                                                                                        assertThat(
                                                                                                edge.service()
                                                                                                    .edge()
                                                                                                    .node()
                                                                                                    .loops())
                                                                                            .hasSize(
                                                                                                LOOPS);
                                                                                        assertThat(
                                                                                                oldLoop)
                                                                                            .as(
                                                                                                "the old connection's loop")
                                                                                            .isIn(
                                                                                                0,
                                                                                                1);
                                                                                        assertThat(
                                                                                                newLoop)
                                                                                            .as(
                                                                                                "the new connection's loop")
                                                                                            .isIn(
                                                                                                0,
                                                                                                1)
                                                                                            .isNotEqualTo(
                                                                                                oldLoop);
                                                                                        assertThat(
                                                                                                code)
                                                                                            .isEqualTo(
                                                                                                CloseCode
                                                                                                    .REPLACED
                                                                                                    .code());
                                                                                        assertThat(
                                                                                                entries)
                                                                                            .extracting(
                                                                                                RegistryEntry
                                                                                                    ::connectionId)
                                                                                            .containsExactly(
                                                                                                welcome
                                                                                                    .getString(
                                                                                                        "connectionId"));
                                                                                        assertThat(
                                                                                                edge.service()
                                                                                                    .edge()
                                                                                                    .node()
                                                                                                    .sessionCount())
                                                                                            .isEqualTo(
                                                                                                1);
                                                                                        assertThat(
                                                                                                fresh
                                                                                                    .closed()
                                                                                                    .isComplete())
                                                                                            .isFalse();
                                                                                      });
                                                                                  return code;
                                                                                }));
                                                          }));
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "the per-user limit counts the user's connections on every loop: the third of 2 allowed gets 4503")
  void userLimitAcrossLoops(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String token = tokens.valid("cy");
    nodes
        .start(o -> o.withEventLoops(LOOPS).withLimits(o.limits().withConnectionsPerUser(2)))
        .compose(
            edge ->
                connect(vertx, edge.port(), token, "p1", 1)
                    .compose(
                        first ->
                            first
                                .welcome()
                                .compose(
                                    w1 ->
                                        connect(vertx, edge.port(), token, "p2", 1)
                                            .compose(
                                                second ->
                                                    second
                                                        .welcome()
                                                        .compose(
                                                            w2 ->
                                                                connect(
                                                                        vertx,
                                                                        edge.port(),
                                                                        token,
                                                                        "p3",
                                                                        1)
                                                                    .compose(
                                                                        third ->
                                                                            third
                                                                                .closed()
                                                                                .compose(
                                                                                    code ->
                                                                                        registry(
                                                                                                edge)
                                                                                            .map(
                                                                                                entries -> {
                                                                                                  test
                                                                                                      .verify(
                                                                                                          () -> {
                                                                                                            assertThat(
                                                                                                                    Set
                                                                                                                        .of(
                                                                                                                            loopOf(
                                                                                                                                edge,
                                                                                                                                w1),
                                                                                                                            loopOf(
                                                                                                                                edge,
                                                                                                                                w2)))
                                                                                                                .as(
                                                                                                                    "loops of the two allowed")
                                                                                                                .containsExactlyInAnyOrder(
                                                                                                                    0,
                                                                                                                    1);
                                                                                                            assertThat(
                                                                                                                    code)
                                                                                                                .isEqualTo(
                                                                                                                    CloseCode
                                                                                                                        .TOO_MANY_CONNECTIONS
                                                                                                                        .code());
                                                                                                            assertThat(
                                                                                                                    third
                                                                                                                        .framesOfType(
                                                                                                                            "welcome"))
                                                                                                                .isEmpty();
                                                                                                            assertThat(
                                                                                                                    entries)
                                                                                                                .hasSize(
                                                                                                                    2);
                                                                                                            assertThat(
                                                                                                                    edge.service()
                                                                                                                        .edge()
                                                                                                                        .node()
                                                                                                                        .sessionCount())
                                                                                                                .isEqualTo(
                                                                                                                    2);
                                                                                                          });
                                                                                                  return code;
                                                                                                }))))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a channel with subscribers on every loop: one consumer on the node, every event once to each, in order")
  void channelOnEveryLoop(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    int pages = 6;
    int events = 30;
    nodes
        .startReplay()
        .compose(
            replay ->
                start()
                    .compose(
                        edge -> {
                          List<Future<TestClient>> clients = new ArrayList<>();
                          List<Future<JsonObject>> welcomes = new ArrayList<>();
                          Future<Void> chain = Future.succeededFuture();
                          for (int i = 0; i < pages; i++) {
                            String user = "r" + i;
                            // One after the other, so that the loops take them in turn.
                            Future<TestClient> client =
                                chain.compose(
                                    v ->
                                        connect(
                                            vertx,
                                            edge.port(),
                                            tokens.valid(user),
                                            "pg-" + user,
                                            1));
                            Future<JsonObject> welcome = client.compose(TestClient::welcome);
                            clients.add(client);
                            welcomes.add(welcome);
                            chain =
                                welcome
                                    .compose(
                                        w ->
                                            client
                                                .result()
                                                .send(
                                                    new JsonObject()
                                                        .put("type", "subscribe")
                                                        .put("id", "s1")
                                                        .put("channel", "room")))
                                    .compose(v -> client.result().awaitType("subscribed"))
                                    .mapEmpty();
                          }
                          ReplayClient publisher = new ReplayClient(replay.node().vertx());
                          return chain
                              .compose(
                                  v -> {
                                    Future<Void> published = Future.succeededFuture();
                                    for (int seq = 1; seq <= events; seq++) {
                                      String id = "e" + seq;
                                      published =
                                          published.compose(
                                              x ->
                                                  publisher
                                                      .publish(
                                                          "room",
                                                          id,
                                                          JsonNodeFactory.instance.numberNode(
                                                              Integer.parseInt(id.substring(1))),
                                                          false)
                                                      .mapEmpty());
                                    }
                                    return published;
                                  })
                              .compose(
                                  v ->
                                      Future.all(
                                          clients.stream()
                                              .map(
                                                  c ->
                                                      c.result()
                                                          .await(
                                                              f ->
                                                                  ("e" + events)
                                                                      .equals(f.getString("id"))))
                                              .toList()))
                              .map(
                                  v -> {
                                    test.verify(
                                        () -> {
                                          Set<Integer> loops = new HashSet<>();
                                          welcomes.forEach(
                                              w -> loops.add(loopOf(edge, w.result())));
                                          assertThat(loops)
                                              .as("loops holding subscribers")
                                              .containsExactlyInAnyOrder(0, 1);
                                          ChannelRouter router = edge.service().edge().router();
                                          assertThat(router.channelCount())
                                              .as("clustered consumers of the node")
                                              .isEqualTo(1);
                                          assertThat(router.loopsOf("room")).isEqualTo(LOOPS);
                                          List<Long> expected =
                                              IntStream.rangeClosed(1, events)
                                                  .mapToObj(Long::valueOf)
                                                  .toList();
                                          for (Future<TestClient> client : clients) {
                                            assertThat(
                                                    client.result().framesOfType("event").stream()
                                                        .filter(
                                                            e ->
                                                                "room"
                                                                    .equals(e.getString("channel")))
                                                        .map(e -> e.getLong("seq"))
                                                        .toList())
                                                .isEqualTo(expected);
                                          }
                                        });
                                    return v;
                                  });
                        }))
        .onComplete(test.succeedingThenComplete());
  }
}
