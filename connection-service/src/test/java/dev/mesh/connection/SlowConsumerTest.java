package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.replay.ReplayClient;
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
@DisplayName("Backpressure: a stalled reader is bounded, then closed; others keep receiving")
class SlowConsumerTest {

  private static final int SOFT = 64 * 1024;
  private static final int HARD = 512 * 1024;
  private static final int EVENTS = 1_500;

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static Future<TestClient> subscriber(Vertx vertx, int port, String token, String page) {
    return TestClient.connect(vertx, port, token, "s", "t-" + page, page)
        .compose(c -> c.welcome().map(w -> c))
        .compose(
            c ->
                c.send(
                        new JsonObject()
                            .put("type", "subscribe")
                            .put("id", "s1")
                            .put("channel", "ticker"))
                    .compose(v -> c.awaitType("subscribed"))
                    .map(s -> c));
  }

  @Test
  @DisplayName(
      "a reader that stops reading during an 12 MB broadcast stream is closed with 4002; a healthy one gets all")
  void stalledReader(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String padding = "x".repeat(8 * 1024);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start(o -> o.withLimits(o.limits().withOutbound(SOFT, HARD)))
                    .compose(
                        edge -> {
                          Future<TestClient> healthy =
                              subscriber(vertx, edge.port(), tokens.valid("fast"), "p1");
                          Future<TestClient> stalled =
                              subscriber(vertx, edge.port(), tokens.valid("slow"), "p2");
                          ReplayClient publisher = new ReplayClient(replay.node().vertx());
                          return Future.all(healthy, stalled)
                              .compose(
                                  v -> {
                                    stalled.result().socket().pause();
                                    Future<Void> published = Future.succeededFuture();
                                    for (int i = 1; i <= EVENTS; i++) {
                                      String id = "e" + i;
                                      published =
                                          published.compose(
                                              x ->
                                                  publisher
                                                      .publish(
                                                          "ticker",
                                                          id,
                                                          JsonNodeFactory.instance
                                                              .objectNode()
                                                              .put("pad", padding),
                                                          false)
                                                      .mapEmpty());
                                    }
                                    return published;
                                  })
                              .compose(
                                  v ->
                                      healthy
                                          .result()
                                          .await(f -> ("e" + EVENTS).equals(f.getString("id"))))
                              .compose(
                                  v -> {
                                    stalled.result().socket().resume();
                                    return stalled.result().closed();
                                  })
                              .map(
                                  code -> {
                                    List<Long> seqs =
                                        healthy.result().framesOfType("event").stream()
                                            .map(f -> f.getLong("seq"))
                                            .toList();
                                    double dropped =
                                        edge.running()
                                            .context()
                                            .registry()
                                            .get("mesh_messages_dropped_total")
                                            .counter()
                                            .count();
                                    test.verify(
                                        () -> {
                                          assertThat(code)
                                              .isEqualTo(CloseCode.SLOW_CONSUMER.code());
                                          assertThat(seqs).hasSize(EVENTS);
                                          assertThat(seqs).isSorted().doesNotHaveDuplicates();
                                          assertThat(dropped)
                                              .as("events dropped for the stalled reader")
                                              .isPositive();
                                          assertThat(healthy.result().closed().isComplete())
                                              .isFalse();
                                          assertThat(edge.service().edge().node().sessionCount())
                                              .isEqualTo(1);
                                        });
                                    return code;
                                  });
                        }))
        .onComplete(test.succeedingThenComplete());
  }
}
