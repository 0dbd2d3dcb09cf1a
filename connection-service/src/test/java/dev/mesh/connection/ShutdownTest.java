package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
}
