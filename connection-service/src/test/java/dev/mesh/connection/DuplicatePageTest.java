package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UserConnections;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Duplicate policy: one live connection per page, cluster-wide")
class DuplicatePageTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  @Test
  @DisplayName(
      "the same page reconnecting to the same node replaces the old connection, which gets 4504")
  void samePageSameNode(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("amy"), "s1", "t1", "page-1")
                    .compose(old -> old.welcome().map(w -> old))
                    .compose(
                        old ->
                            TestClient.connect(
                                    vertx, edge.port(), tokens.valid("amy"), "s1", "t1", "page-1")
                                .compose(
                                    fresh ->
                                        fresh
                                            .welcome()
                                            .compose(
                                                welcome ->
                                                    old.closed()
                                                        .compose(
                                                            code ->
                                                                old.awaitType("goodbye")
                                                                    .compose(
                                                                        goodbye ->
                                                                            registry(edge)
                                                                                .map(
                                                                                    entries -> {
                                                                                      test.verify(
                                                                                          () -> {
                                                                                            assertThat(
                                                                                                    code)
                                                                                                .isEqualTo(
                                                                                                    CloseCode
                                                                                                        .REPLACED
                                                                                                        .code());
                                                                                            assertThat(
                                                                                                    goodbye
                                                                                                        .getString(
                                                                                                            "reason"))
                                                                                                .isEqualTo(
                                                                                                    "replaced");
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
                                                                                          });
                                                                                      return fresh;
                                                                                    })))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "the same page reconnecting to another node replaces the old one there; late frames from it get nothing")
  void samePageOtherNode(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            a ->
                nodes
                    .start()
                    .compose(
                        b ->
                            TestClient.connect(
                                    vertx, a.port(), tokens.valid("bo"), "s1", "t1", "page-9")
                                .compose(old -> old.welcome().map(w -> old))
                                .compose(
                                    old ->
                                        TestClient.connect(
                                                vertx,
                                                b.port(),
                                                tokens.valid("bo"),
                                                "s1",
                                                "t1",
                                                "page-9")
                                            .compose(
                                                fresh ->
                                                    fresh
                                                        .welcome()
                                                        .compose(
                                                            welcome ->
                                                                old.closed()
                                                                    .compose(
                                                                        code ->
                                                                            registry(b)
                                                                                .map(
                                                                                    entries -> {
                                                                                      test.verify(
                                                                                          () -> {
                                                                                            assertThat(
                                                                                                    code)
                                                                                                .isEqualTo(
                                                                                                    CloseCode
                                                                                                        .REPLACED
                                                                                                        .code());
                                                                                            assertThat(
                                                                                                    entries)
                                                                                                .hasSize(
                                                                                                    1);
                                                                                            assertThat(
                                                                                                    entries
                                                                                                        .get(
                                                                                                            0)
                                                                                                        .nodeId())
                                                                                                .isEqualTo(
                                                                                                    b
                                                                                                        .nodeId());
                                                                                            assertThat(
                                                                                                    entries
                                                                                                        .get(
                                                                                                            0)
                                                                                                        .connectionId())
                                                                                                .isEqualTo(
                                                                                                    welcome
                                                                                                        .getString(
                                                                                                            "connectionId"));
                                                                                            assertThat(
                                                                                                    a.service()
                                                                                                        .edge()
                                                                                                        .node()
                                                                                                        .sessionCount())
                                                                                                .isZero();
                                                                                            assertThat(
                                                                                                    b.service()
                                                                                                        .edge()
                                                                                                        .node()
                                                                                                        .sessionCount())
                                                                                                .isEqualTo(
                                                                                                    1);
                                                                                          });
                                                                                      return fresh;
                                                                                    })))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "tabs of one user up to the limit are allowed; one more is refused with 4503 and never registered")
  void perUserLimit(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(o -> o.withLimits(o.limits().withConnectionsPerUser(2)))
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("cy"), "s1", "t1", "p1")
                    .compose(TestClient::welcome)
                    .compose(
                        v ->
                            TestClient.connect(
                                vertx, edge.port(), tokens.valid("cy"), "s1", "t2", "p2"))
                    .compose(TestClient::welcome)
                    .compose(
                        v ->
                            TestClient.connect(
                                vertx, edge.port(), tokens.valid("cy"), "s1", "t3", "p3"))
                    .compose(
                        third ->
                            third
                                .closed()
                                .compose(
                                    code ->
                                        third
                                            .awaitType("goodbye")
                                            .compose(
                                                goodbye ->
                                                    registry(edge)
                                                        .map(
                                                            entries -> {
                                                              test.verify(
                                                                  () -> {
                                                                    assertThat(code)
                                                                        .isEqualTo(
                                                                            CloseCode
                                                                                .TOO_MANY_CONNECTIONS
                                                                                .code());
                                                                    assertThat(
                                                                            goodbye.getInteger(
                                                                                "code"))
                                                                        .isEqualTo(
                                                                            CloseCode
                                                                                .TOO_MANY_CONNECTIONS
                                                                                .code());
                                                                    assertThat(
                                                                            third.framesOfType(
                                                                                "welcome"))
                                                                        .isEmpty();
                                                                    assertThat(entries).hasSize(2);
                                                                  });
                                                              return entries;
                                                            })))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "missing or malformed page ids are refused after the upgrade with 4506 and a message naming the field")
  void badIdentity(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            edge ->
                TestClient.connect(
                        vertx, edge.port(), tokens.valid("dee"), "s1", "t1", "bad%20page")
                    .compose(
                        client ->
                            client
                                .closed()
                                .compose(
                                    code ->
                                        client
                                            .awaitType("goodbye")
                                            .map(
                                                goodbye -> {
                                                  test.verify(
                                                      () -> {
                                                        assertThat(code)
                                                            .isEqualTo(
                                                                CloseCode.BAD_IDENTITY.code());
                                                        assertThat(goodbye.getString("message"))
                                                            .contains("page");
                                                      });
                                                  return goodbye;
                                                }))))
        .onComplete(test.succeedingThenComplete());
  }

  /** Every registry entry of the cluster (the tests use one user each). */
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
}
