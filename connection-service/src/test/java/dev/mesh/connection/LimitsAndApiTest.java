package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.auth.AuthorizeDecision;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.connection.ConnectionList;
import dev.mesh.common.connection.ConnectionQuery;
import dev.mesh.common.connection.KickRequest;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.connection.NodeStats;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.status.StatusQuery;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.session.LimitOptions;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Limits, the integration API and the pluggable authoriser")
class LimitsAndApiTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static LimitOptions limits(int perNode, int subscriptions, Duration lifetime) {
    LimitOptions d = LimitOptions.defaults();
    return new LimitOptions(
        d.maxFrameBytes(),
        d.ratePerSecond(),
        d.rateBurst(),
        d.abuseStrikes(),
        subscriptions,
        d.maxConnectionsPerUser(),
        false,
        perNode,
        lifetime,
        d.outboundSoftBytes(),
        d.outboundHardBytes());
  }

  @Test
  @DisplayName(
      "a full node refuses with 4004 and a hint; a connection past its lifetime is rotated with 4001")
  void nodeLimitAndRotation(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(o -> o.withLimits(limits(1, 100, Duration.ofMillis(1500))))
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("a"), "s", "t", "p1")
                    .compose(
                        first ->
                            first
                                .welcome()
                                .compose(
                                    w ->
                                        TestClient.connect(
                                            vertx, edge.port(), tokens.valid("b"), "s", "t", "p2"))
                                .compose(
                                    second ->
                                        second
                                            .closed()
                                            .compose(
                                                refused ->
                                                    second
                                                        .awaitType("goodbye")
                                                        .compose(
                                                            hint ->
                                                                first
                                                                    .closed()
                                                                    .compose(
                                                                        rotated ->
                                                                            first
                                                                                .awaitType(
                                                                                    "goodbye")
                                                                                .map(
                                                                                    goodbye -> {
                                                                                      test.verify(
                                                                                          () -> {
                                                                                            assertThat(
                                                                                                    refused)
                                                                                                .isEqualTo(
                                                                                                    CloseCode
                                                                                                        .NODE_FULL
                                                                                                        .code());
                                                                                            assertThat(
                                                                                                    hint
                                                                                                        .getLong(
                                                                                                            "retryAfterMs"))
                                                                                                .isBetween(
                                                                                                    1000L,
                                                                                                    5000L);
                                                                                            assertThat(
                                                                                                    rotated)
                                                                                                .isEqualTo(
                                                                                                    CloseCode
                                                                                                        .ROTATED
                                                                                                        .code());
                                                                                            assertThat(
                                                                                                    goodbye
                                                                                                        .getString(
                                                                                                            "reason"))
                                                                                                .isEqualTo(
                                                                                                    "rotated");
                                                                                            assertThat(
                                                                                                    goodbye
                                                                                                        .getLong(
                                                                                                            "retryAfterMs"))
                                                                                                .isZero();
                                                                                          });
                                                                                      return goodbye;
                                                                                    })))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "rotation comes at 90-100 % of the lifetime, not up to a heartbeat sweep (2.5 s here) later")
  void rotationWithinLifetime(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    long lifetime = 2000;
    nodes
        .start(o -> o.withLimits(limits(100, 100, Duration.ofMillis(lifetime))))
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("a"), "s", "t", "p1")
                    .compose(
                        client -> {
                          long connectedAt = System.nanoTime();
                          return client
                              .welcome()
                              .compose(w -> client.closed())
                              .map(
                                  code -> {
                                    long afterMillis =
                                        (System.nanoTime() - connectedAt) / 1_000_000;
                                    test.verify(
                                        () -> {
                                          assertThat(code).isEqualTo(CloseCode.ROTATED.code());
                                          // 90 % of the lifetime at the earliest; at most the
                                          // lifetime plus scheduling slack on a busy machine
                                          // (the default heartbeat's sweep tick is 2.5 s: a
                                          // rotation found by the sweep would come up to 4.5 s).
                                          assertThat(afterMillis)
                                              .isBetween(lifetime * 9 / 10 - 100, lifetime + 500);
                                        });
                                    return code;
                                  });
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "kick closes a user's connections with 4505 on every node; list and stats report the truth")
  void kickListStats(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            a ->
                nodes
                    .start()
                    .compose(
                        b -> {
                          BusClient bus = new BusClient(a.running().node().vertx());
                          Future<TestClient> onA =
                              TestClient.connect(
                                      vertx, a.port(), tokens.valid("kim"), "s1", "t1", "p1")
                                  .compose(c -> c.welcome().map(w -> c));
                          Future<TestClient> onB =
                              TestClient.connect(
                                      vertx, b.port(), tokens.valid("kim"), "s2", "t2", "p2")
                                  .compose(c -> c.welcome().map(w -> c));
                          Future<TestClient> other =
                              TestClient.connect(
                                      vertx, b.port(), tokens.valid("lee"), "s3", "t3", "p3")
                                  .compose(c -> c.welcome().map(w -> c));
                          return Future.all(onA, onB, other)
                              .compose(
                                  v ->
                                      bus.request(
                                          Addresses.LIST_CONNECTIONS,
                                          new ConnectionQuery("kim"),
                                          ConnectionList.class))
                              .compose(
                                  list ->
                                      bus.request(
                                              Addresses.nodeStats(b.nodeId()),
                                              new StatusQuery("test"),
                                              NodeStats.class)
                                          .compose(
                                              stats ->
                                                  bus.request(
                                                          Addresses.KICK,
                                                          new KickRequest("kim", null, null, "bye"),
                                                          KickResult.class)
                                                      .compose(
                                                          kicked ->
                                                              Future.all(
                                                                      onA.result().closed(),
                                                                      onB.result().closed())
                                                                  .map(
                                                                      x -> {
                                                                        test.verify(
                                                                            () -> {
                                                                              assertThat(
                                                                                      list
                                                                                          .connections())
                                                                                  .hasSize(2);
                                                                              assertThat(
                                                                                      stats
                                                                                          .connections())
                                                                                  .isEqualTo(2);
                                                                              assertThat(
                                                                                      stats.users())
                                                                                  .isEqualTo(2);
                                                                              assertThat(
                                                                                      kicked
                                                                                          .closed())
                                                                                  .isEqualTo(2);
                                                                              assertThat(
                                                                                      onA.result()
                                                                                          .closed()
                                                                                          .result())
                                                                                  .isEqualTo(
                                                                                      CloseCode
                                                                                          .KICKED
                                                                                          .code());
                                                                              assertThat(
                                                                                      onB.result()
                                                                                          .closed()
                                                                                          .result())
                                                                                  .isEqualTo(
                                                                                      CloseCode
                                                                                          .KICKED
                                                                                          .code());
                                                                              assertThat(
                                                                                      onB.result()
                                                                                          .awaitType(
                                                                                              "goodbye")
                                                                                          .result()
                                                                                          .getString(
                                                                                              "message"))
                                                                                  .isEqualTo("bye");
                                                                              assertThat(
                                                                                      other
                                                                                          .result()
                                                                                          .closed()
                                                                                          .isComplete())
                                                                                  .isFalse();
                                                                            });
                                                                        return x;
                                                                      }))));
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "too many subscriptions is refused; with MESH_AUTHORIZER=bus the application decides, silence denies")
  void subscriptionsAndBusAuthorizer(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start(
                        o ->
                            o.withLimits(limits(100, 1, Duration.ofHours(1)))
                                .withAuth(o.auth().withAuthorizer(AuthOptions.AUTHORIZER_BUS)))
                    .compose(
                        edge -> {
                          var bus = edge.running().node().vertx().eventBus();
                          var authoriser =
                              bus.<AuthorizeRequest>consumer(
                                  Addresses.AUTHORIZE,
                                  m -> {
                                    AuthorizeRequest request = m.body();
                                    boolean allowed =
                                        request.action().equals(AuthorizeRequest.CONNECT)
                                            || request.channel().startsWith("open:");
                                    m.reply(
                                        new AuthorizeDecision(
                                            allowed, allowed ? null : "closed channel", 0));
                                  });
                          return authoriser
                              .completion()
                              .compose(
                                  v ->
                                      TestClient.connect(
                                          vertx, edge.port(), tokens.valid("al"), "s", "t", "p"))
                              .compose(
                                  client ->
                                      client
                                          .welcome()
                                          .compose(w -> client.send(sub("q1", "open:1")))
                                          .compose(
                                              v ->
                                                  client.await(
                                                      f ->
                                                          "q1".equals(f.getString("id"))
                                                              && "subscribed"
                                                                  .equals(f.getString("type"))))
                                          .compose(v -> client.send(sub("q2", "open:2")))
                                          .compose(
                                              v ->
                                                  client.await(f -> "q2".equals(f.getString("id"))))
                                          .compose(
                                              tooMany ->
                                                  client
                                                      .send(
                                                          new JsonObject()
                                                              .put("type", "unsubscribe")
                                                              .put("id", "u1")
                                                              .put("channel", "open:1"))
                                                      .compose(
                                                          v ->
                                                              client.await(
                                                                  f ->
                                                                      "u1"
                                                                          .equals(
                                                                              f.getString("id"))))
                                                      .compose(
                                                          v -> client.send(sub("q3", "secret")))
                                                      .compose(
                                                          v ->
                                                              client.await(
                                                                  f ->
                                                                      "q3"
                                                                          .equals(
                                                                              f.getString("id"))))
                                                      .compose(
                                                          denied ->
                                                              authoriser
                                                                  .unregister()
                                                                  .compose(
                                                                      v ->
                                                                          client.send(
                                                                              sub("q4", "open:4")))
                                                                  .compose(
                                                                      v ->
                                                                          client.await(
                                                                              f ->
                                                                                  "q4"
                                                                                      .equals(
                                                                                          f
                                                                                              .getString(
                                                                                                  "id"))))
                                                                  .compose(
                                                                      silent ->
                                                                          TestClient.connect(
                                                                                  vertx,
                                                                                  edge.port(),
                                                                                  tokens.valid(
                                                                                      "bo"),
                                                                                  "s",
                                                                                  "t",
                                                                                  "p2")
                                                                              .compose(
                                                                                  refused ->
                                                                                      refused
                                                                                          .awaitType(
                                                                                              "goodbye"))
                                                                              .map(
                                                                                  goodbye -> {
                                                                                    test.verify(
                                                                                        () -> {
                                                                                          // Issue
                                                                                          // 17: the
                                                                                          // refusal
                                                                                          // names
                                                                                          // the
                                                                                          // kind of
                                                                                          // failure, never Vert.x's reply address.
                                                                                          assertThat(
                                                                                                  goodbye
                                                                                                      .getInteger(
                                                                                                          "code"))
                                                                                              .isEqualTo(
                                                                                                  4501);
                                                                                          assertThat(
                                                                                                  goodbye
                                                                                                      .getString(
                                                                                                          "message"))
                                                                                              .isEqualTo(
                                                                                                  "no authoriser is registered");
                                                                                          assertThat(
                                                                                                  silent
                                                                                                      .getString(
                                                                                                          "message"))
                                                                                              .isEqualTo(
                                                                                                  "no authoriser is registered");
                                                                                        });
                                                                                    return silent;
                                                                                  }))
                                                                  .map(
                                                                      silent -> {
                                                                        test.verify(
                                                                            () -> {
                                                                              assertThat(
                                                                                      tooMany
                                                                                          .getString(
                                                                                              "code"))
                                                                                  .isEqualTo(
                                                                                      "too-many-subscriptions");
                                                                              assertThat(
                                                                                      denied
                                                                                          .getString(
                                                                                              "code"))
                                                                                  .isEqualTo(
                                                                                      "forbidden");
                                                                              assertThat(
                                                                                      denied
                                                                                          .getString(
                                                                                              "message"))
                                                                                  .isEqualTo(
                                                                                      "closed channel");
                                                                              assertThat(
                                                                                      silent
                                                                                          .getString(
                                                                                              "code"))
                                                                                  .isEqualTo(
                                                                                      "unavailable");
                                                                            });
                                                                        return silent;
                                                                      }))));
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  private static JsonObject sub(String id, String channel) {
    return new JsonObject().put("type", "subscribe").put("id", id).put("channel", channel);
  }
}
