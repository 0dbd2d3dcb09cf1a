package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UnregisterConnection;
import dev.mesh.common.registry.UserConnections;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.registry.RegistryRepair;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("An edge and its standing in the cluster: quorum, rejoining, its own registry entries")
class MembershipTest {

  private EdgeNodes nodes;

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static Future<Integer> readyStatus(Vertx vertx, int opsPort, StringBuilder body) {
    // Closed at the end, which keeps it reachable: Vert.x closes an unreachable client mid-request.
    HttpClient http = vertx.createHttpClient();
    return http.request(HttpMethod.GET, opsPort, "127.0.0.1", "/ready")
        .compose(request -> request.send())
        .compose(
            response ->
                response
                    .body()
                    .map(
                        b -> {
                          body.append(b.toString());
                          return response.statusCode();
                        }))
        .eventually(http::close);
  }

  @Test
  @DisplayName(
      "without quorum: a new WebSocket 4005 + hint, SSE 503 + Retry-After, /ready 503 at once; open sockets 1001 + hint after the grace; with quorum back it admits again")
  void noQuorum(Vertx vertx, VertxTestContext test) throws Exception {
    nodes = new EdgeNodes(TestClusters.fresh().withMinDataMembers(2));
    Tokens tokens = new Tokens(vertx);
    // A member's start waits for quorum (two data members here), so both data members start
    // together.
    Future<MeshNode> staying = nodes.startDataMember();
    Future<MeshNode> leaving = nodes.startDataMember();
    await(staying);
    MeshNode doomed = await(leaving);
    Duration grace = Duration.ofSeconds(1);
    EdgeNodes.Edge edge = await(nodes.start(options -> options.withQuorumLossGrace(grace)));
    TestClient open =
        await(TestClient.connect(vertx, edge.port(), tokens.valid("a"), "s", "t", "p1"));
    await(open.welcome());
    AtomicLong closedAt = new AtomicLong();
    open.closed().onComplete(done -> closedAt.set(System.nanoTime()));

    long terminatedAt = System.nanoTime();
    doomed.hazelcast().getLifecycleService().terminate();
    StringBuilder ready = new StringBuilder();
    Poll.until(
        Duration.ofSeconds(30),
        "/ready 503 after the data member left",
        () -> {
          ready.setLength(0);
          return readyStatus(vertx, edge.running().opsPort(), ready)
                  .toCompletionStage()
                  .toCompletableFuture()
                  .join()
              == 503;
        });
    TestClient refused =
        await(TestClient.connect(vertx, edge.port(), tokens.valid("b"), "s", "t", "p2"));
    int refusedCode = await(refused.closed());
    JsonObject refusal = await(refused.awaitType("goodbye"));
    HttpClient sseClient = vertx.createHttpClient();
    var sse =
        await(
            sseClient
                .request(HttpMethod.GET, edge.port(), "127.0.0.1", "/sse?session=s&tab=t&page=p3")
                .compose(
                    request ->
                        request.putHeader("Authorization", "Bearer " + tokens.valid("c")).send())
                .eventually(sseClient::close));
    int closed = await(open.closed());
    long closedAfterNanos = closedAt.get() - terminatedAt;
    JsonObject goodbye = await(open.awaitType("goodbye"));

    test.verify(
        () -> {
          assertThat(closedAfterNanos)
              .as("the open socket is closed no sooner than the grace after quorum went")
              .isGreaterThanOrEqualTo(grace.toNanos());
          assertThat(closed).isEqualTo(CloseCode.GOING_AWAY.code());
          assertThat(goodbye.getString("reason")).isEqualTo("network-error");
          assertThat(goodbye.getLong("retryAfterMs")).isBetween(0L, 200L);
          assertThat(refusedCode).isEqualTo(CloseCode.NO_QUORUM.code());
          assertThat(refusal.getLong("retryAfterMs")).isBetween(1000L, 5000L);
          assertThat(refusal.getString("message")).contains("1 data member in view, 2 required");
          assertThat(sse.statusCode()).isEqualTo(503);
          assertThat(Integer.parseInt(sse.getHeader("Retry-After"))).isBetween(1, 5);
          assertThat(ready.toString()).contains("1 data member in view, 2 required");
        });

    await(nodes.startDataMember());
    // Each try is a fresh connection; one refused while the view catches up is answered with a
    // goodbye at once.
    Poll.until(
        Duration.ofSeconds(30),
        "a new connection admitted within 30 s of quorum",
        () -> {
          try {
            TestClient again =
                await(TestClient.connect(vertx, edge.port(), tokens.valid("d"), "s", "t", "p4"));
            JsonObject first =
                await(
                    again.await(
                        f ->
                            "welcome".equals(f.getString("type"))
                                || "goodbye".equals(f.getString("type"))));
            return "welcome".equals(first.getString("type"));
          } catch (Exception e) {
            return false;
          }
        });
    test.completeNow();
  }

  @Test
  @DisplayName(
      "a node that rejoins keeps its ports, gets a new node id, moves its clients with 1001 + hint and is ready again")
  void rejoinKeepsPorts(Vertx vertx, VertxTestContext test) throws Exception {
    nodes = new EdgeNodes(TestClusters.fresh());
    Tokens tokens = new Tokens(vertx);
    EdgeNodes.Edge edge = await(nodes.start());
    String before = edge.nodeId();
    int opsPort = edge.running().opsPort();
    TestClient client =
        await(TestClient.connect(vertx, edge.port(), tokens.valid("a"), "s", "t", "p1"));
    await(client.welcome());

    await(edge.running().rejoin("test"));
    int closed = await(client.closed());
    JsonObject goodbye = await(client.awaitType("goodbye"));
    TestClient again =
        await(TestClient.connect(vertx, edge.port(), tokens.valid("a"), "s", "t", "p1"));
    JsonObject welcome = await(again.welcome());
    StringBuilder ready = new StringBuilder();
    int readyCode = await(readyStatus(vertx, opsPort, ready));
    List<RegistryEntry> registered =
        await(
            vertx.executeBlocking(
                () -> Registry.users(edge.running().node().hazelcast()).get("a").connections()));

    test.verify(
        () -> {
          assertThat(closed).isEqualTo(CloseCode.GOING_AWAY.code());
          assertThat(goodbye.getLong("retryAfterMs")).isBetween(0L, 200L);
          assertThat(edge.nodeId()).isNotEqualTo(before);
          assertThat(welcome.getString("nodeId")).isEqualTo(edge.nodeId());
          assertThat(edge.running().opsPort()).isEqualTo(opsPort);
          assertThat(edge.running().rejoins()).isEqualTo(1);
          assertThat(readyCode).isEqualTo(200);
          assertThat(ready.toString()).contains(edge.nodeId());
          assertThat(registered).extracting(RegistryEntry::nodeId).containsExactly(edge.nodeId());
        });
    test.completeNow();
  }

  @Test
  @DisplayName(
      "a node whose per-user limit differs from the one the cluster recorded is told (it warns at start)")
  void userLimitMismatch(Vertx vertx, VertxTestContext test) throws Exception {
    nodes = new EdgeNodes(TestClusters.fresh());
    EdgeNodes.Edge first = await(nodes.start());
    EdgeNodes.Edge other =
        await(nodes.start(o -> o.withLimits(o.limits().withConnectionsPerUser(3))));
    String same =
        await(
            dev.mesh.connection.membership.UserLimitCheck.run(
                first.running().node(),
                vertx.getOrCreateContext(),
                first.service().edge().node().options().limits()));
    String differs =
        await(
            dev.mesh.connection.membership.UserLimitCheck.run(
                other.running().node(),
                vertx.getOrCreateContext(),
                other.service().edge().node().options().limits()));
    test.verify(
        () -> {
          assertThat(same).isNull();
          assertThat(differs)
              .isEqualTo("MESH_MAX_CONNECTIONS_PER_USER=10 MESH_USER_LIMIT_POLICY=refuse-newest");
        });
    test.completeNow();
  }

  @Test
  @DisplayName(
      "the registry repair restores a live connection's missing entry and removes an entry without a socket that two checks find")
  void registryRepair(Vertx vertx, VertxTestContext test) throws Exception {
    nodes = new EdgeNodes(TestClusters.fresh());
    Tokens tokens = new Tokens(vertx);
    EdgeNodes.Edge edge = await(nodes.start(o -> o.withRegistryCheck(Duration.ofHours(1))));
    TestClient client =
        await(TestClient.connect(vertx, edge.port(), tokens.valid("a"), "s", "t", "p1"));
    String connectionId = await(client.welcome()).getString("connectionId");
    var users = Registry.users(edge.running().node().hazelcast());
    await(
        vertx.executeBlocking(
            () -> users.executeOnKey("a", new UnregisterConnection(connectionId))));
    RegistryEntry ghost =
        new RegistryEntry(
            new ConnectionIdentity("g", "s", "t", "p", "ghost-1", edge.nodeId()),
            Transport.WEBSOCKET,
            Instant.now());
    await(
        vertx.executeBlocking(
            () -> users.executeOnKey("g", new RegisterConnection(ghost, 10, false))));
    var session = edge.service().edge().node().owner(connectionId).session(connectionId);
    // The repair judges only connections registered longer ago than its settle time (younger ones
    // may be missing from its read of the registry without being lost); on a loaded machine the
    // registration comes well after the socket opened.
    Poll.until(
        Duration.ofSeconds(10),
        "the connection was registered longer ago than the repair's settle time",
        () -> System.nanoTime() - session.registeredNanos() > RegistryRepair.SETTLE.toNanos());

    int firstCheck = await(edge.service().edge().registryRepair().check());
    // The first check restores the missing entry but only suspects the ghost: an entry without a
    // socket may be a close whose removal is still on its way (thousands of them after a mass
    // close). The second check, finding it again, removes it.
    test.verify(
        () -> {
          assertThat(firstCheck).as("first check: the missing entry only").isEqualTo(1);
          assertThat(users.get("g")).as("the ghost is not removed at first sight").isNotNull();
        });
    int removed = await(edge.service().edge().registryRepair().check());
    test.verify(() -> assertThat(removed).as("second check: the ghost").isEqualTo(1));
    // A check ends when the writes it started have landed: the registry is repaired by then.
    UserConnections restored = users.get("a");
    test.verify(
        () -> {
          assertThat(restored).as("the missing entry restored").isNotNull();
          assertThat(restored.connections())
              .extracting(RegistryEntry::connectionId)
              .containsExactly(connectionId);
          assertThat(users.get("g")).as("the ghost removed").isNull();
        });
    test.completeNow();
  }
}
