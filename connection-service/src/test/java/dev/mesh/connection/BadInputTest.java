package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(VertxExtension.class)
@DisplayName("Bad input: a clear error or close code, and other connections unaffected")
class BadInputTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  /**
   * Each row: what the bad client sends, then either the error code expected (connection stays up)
   * or the close code expected. A healthy client on the same node pings throughout and must get
   * every pong.
   */
  @org.junit.jupiter.api.Timeout(value = 20, unit = java.util.concurrent.TimeUnit.SECONDS)
  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "malformed-json, error:malformed-json",
    "not-an-object, error:malformed-json",
    "unknown-type, error:unknown-type",
    "missing-type, error:missing-field",
    "missing-channel, error:missing-field",
    "bad-channel, error:invalid-field",
    "bad-id, error:invalid-field",
    "wrong-types, error:invalid-field",
    "deep-json, error:malformed-json",
    "binary, error:unsupported-frame",
    "not-subscribed, error:not-subscribed",
    "huge-frame, close:1009",
    "flood, close:4502"
  })
  @DisplayName("bad input table")
  void badInput(String kind, String expected, Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("good"), "s1", "t1", "p1")
                    .compose(healthy -> healthy.welcome().map(w -> healthy))
                    .compose(
                        healthy ->
                            TestClient.connect(
                                    vertx, edge.port(), tokens.valid("bad"), "s2", "t2", "p2")
                                .compose(bad -> bad.welcome().map(w -> bad))
                                .compose(
                                    bad -> {
                                      AtomicInteger pingsSent = new AtomicInteger();
                                      Runnable ping =
                                          () ->
                                              healthy.send(
                                                  new JsonObject()
                                                      .put("type", "ping")
                                                      .put(
                                                          "id", "h" + pingsSent.incrementAndGet()));
                                      ping.run();
                                      long pinger = vertx.setPeriodic(50, t -> ping.run());
                                      Future<?> outcome =
                                          expected.startsWith("error:")
                                              ? sendBad(bad, kind)
                                                  .compose(
                                                      v ->
                                                          bad.await(
                                                              f ->
                                                                  "error"
                                                                      .equals(f.getString("type"))))
                                              : sendBad(bad, kind).compose(v -> bad.closed());
                                      return outcome.compose(
                                          result -> {
                                            vertx.cancelTimer(pinger);
                                            // One more ping after the bad input was handled: it,
                                            // and every earlier one, must be answered.
                                            healthy.send(
                                                new JsonObject()
                                                    .put("type", "ping")
                                                    .put("id", "final"));
                                            return healthy
                                                .await(
                                                    f ->
                                                        "pong".equals(f.getString("type"))
                                                            && "final".equals(f.getString("id")))
                                                .map(
                                                    pong -> {
                                                      test.verify(
                                                          () -> {
                                                            if (expected.startsWith("error:")) {
                                                              JsonObject error =
                                                                  (JsonObject) result;
                                                              assertThat(error.getString("code"))
                                                                  .isEqualTo(expected.substring(6));
                                                              assertThat(error.getString("message"))
                                                                  .isNotBlank();
                                                              assertThat(bad.closed().isComplete())
                                                                  .as("bad client still connected")
                                                                  .isFalse();
                                                              if (kind.equals("bad-channel")
                                                                  || kind.equals("missing-channel")
                                                                  || kind.equals(
                                                                      "not-subscribed")) {
                                                                assertThat(error.getString("id"))
                                                                    .isEqualTo("q1");
                                                              }
                                                            } else {
                                                              assertThat(result)
                                                                  .isEqualTo(
                                                                      Integer.parseInt(
                                                                          expected.substring(6)));
                                                            }
                                                            assertThat(
                                                                    healthy.closed().isComplete())
                                                                .as("healthy client closed")
                                                                .isFalse();
                                                            assertThat(healthy.framesOfType("pong"))
                                                                .hasSize(pingsSent.get() + 1);
                                                          });
                                                      return pong;
                                                    });
                                          });
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  private static Future<Void> sendBad(TestClient bad, String kind) {
    return switch (kind) {
      case "malformed-json" -> bad.sendText("{\"type\": \"ping\"");
      case "not-an-object" -> bad.sendText("[1,2,3]");
      case "unknown-type" -> bad.send(new JsonObject().put("type", "teleport"));
      case "missing-type" -> bad.send(new JsonObject().put("id", "x1"));
      case "missing-channel" -> bad.send(new JsonObject().put("type", "subscribe").put("id", "q1"));
      case "bad-channel" ->
          bad.send(
              new JsonObject()
                  .put("type", "subscribe")
                  .put("id", "q1")
                  .put("channel", "no spaces!"));
      case "bad-id" -> bad.send(new JsonObject().put("type", "ping").put("id", "has space"));
      case "wrong-types" ->
          bad.send(new JsonObject().put("type", "subscribe").put("id", "q1").put("channel", 42));
      case "deep-json" ->
          bad.sendText("{\"type\":\"ping\",\"x\":" + "[".repeat(200) + "]".repeat(200) + "}");
      case "binary" -> bad.socket().writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
      case "not-subscribed" ->
          bad.send(
              new JsonObject().put("type", "unsubscribe").put("id", "q1").put("channel", "room"));
      case "huge-frame" ->
          bad.sendText("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}");
      case "flood" -> {
        Promise<Void> sent = Promise.promise();
        for (int i = 0; i < 400; i++) {
          bad.send(new JsonObject().put("type", "ping").put("id", "f" + i));
        }
        sent.complete();
        yield sent.future();
      }
      default -> Future.failedFuture(kind);
    };
  }
}
