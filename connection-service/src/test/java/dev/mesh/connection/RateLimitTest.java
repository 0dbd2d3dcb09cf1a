package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.session.LimitOptions;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The per-connection rate limit: a client a little over the rate for longer than the strike window
 * (a client retrying while a service is down) is answered {@code rate-limited} with a hint and
 * stays connected; a flood still closes with 4502.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Rate limit: dropped frames are hinted, only a flood is abuse")
class RateLimitTest {

  private static final int RATE = 20;
  private static final int BURST = 20;

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private TestClient connect(Vertx vertx) throws Exception {
    EdgeNodes.Edge edge =
        await(
            nodes.start(
                o ->
                    o.withLimits(
                        o.limits().withRate(RATE, BURST, LimitOptions.DEFAULT_ABUSE_STRIKES))));
    TestClient client =
        await(TestClient.connect(vertx, edge.port(), new Tokens(vertx).valid("u"), "s", "t", "p"));
    await(client.welcome());
    return client;
  }

  @Test
  @Timeout(value = 40, unit = TimeUnit.SECONDS)
  @DisplayName("twice the rate for 12 s: rate-limited with retryAfterMs, never closed")
  void overTheRateForLongerThanTheWindow(Vertx vertx) throws Exception {
    TestClient client = connect(vertx);
    AtomicInteger sent = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    long start = System.nanoTime();
    // Two frames every 50 ms: 40 per second against a rate of 20.
    vertx.setPeriodic(
        50,
        timer -> {
          if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(12)
              || client.closed().isComplete()) {
            vertx.cancelTimer(timer);
            done.tryComplete();
            return;
          }
          for (int i = 0; i < 2; i++) {
            client.send(
                new JsonObject().put("type", "ping").put("id", "p" + sent.incrementAndGet()));
          }
        });
    await(done.future());
    assertThat(client.closed().isComplete())
        .as("closed with %s", client.closed().result())
        .isFalse();
    // A client that honours the hint gets through: at most one more refusal, then a pong.
    AtomicInteger lastTries = new AtomicInteger();
    JsonObject answer = await(pingHonouringHints(vertx, client, lastTries, 3));
    assertThat(answer.getString("type")).isEqualTo("pong");

    List<JsonObject> limited =
        client.framesOfType("error").stream()
            .filter(f -> "rate-limited".equals(f.getString("code")))
            .filter(f -> f.getString("id").startsWith("p"))
            .toList();
    assertThat(client.closed().isComplete())
        .as("closed with %s", client.closed().result())
        .isFalse();
    assertThat(sent.get()).isGreaterThan(400);
    assertThat(limited).hasSizeGreaterThan(100);
    // Every error is a rate-limited answer to one of this test's pings: the flood's, or a refused
    // try of the last one.
    assertThat(client.framesOfType("error")).hasSize(limited.size() + lastTries.get() - 1);
    for (JsonObject error : limited) {
      assertThat(error.getLong("retryAfterMs")).isEqualTo(1_000L);
    }
    assertThat(client.framesOfType("pong").size() + limited.size()).isEqualTo(sent.get() + 1);
  }

  /**
   * Pings, and after each {@code rate-limited} answer waits the {@code retryAfterMs} it names and
   * pings again, at most {@code maxTries} times; completes with the answer that was not a refusal.
   */
  private static Future<JsonObject> pingHonouringHints(
      Vertx vertx, TestClient client, AtomicInteger tries, int maxTries) {
    String id = "last-" + tries.incrementAndGet();
    client.send(new JsonObject().put("type", "ping").put("id", id));
    return client
        .await(f -> id.equals(f.getString("id")))
        .compose(
            answer -> {
              if (!"rate-limited".equals(answer.getString("code"))) {
                return Future.succeededFuture(answer);
              }
              if (tries.get() >= maxTries) {
                return Future.failedFuture("still rate-limited after " + maxTries + " tries");
              }
              Promise<Void> waited = Promise.promise();
              vertx.setTimer(answer.getLong("retryAfterMs"), t -> waited.complete());
              return waited
                  .future()
                  .compose(v -> pingHonouringHints(vertx, client, tries, maxTries));
            });
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  @DisplayName("several hundred frames at once: rate-limited, then closed 4502")
  void floodCloses(Vertx vertx) throws Exception {
    TestClient client = connect(vertx);
    for (int i = 0; i < 300; i++) {
      client.send(new JsonObject().put("type", "ping").put("id", "f" + i));
    }
    assertThat(await(client.closed())).isEqualTo(4502);
    List<JsonObject> limited =
        client.framesOfType("error").stream()
            .filter(f -> "rate-limited".equals(f.getString("code")))
            .toList();
    assertThat(limited).isNotEmpty();
    assertThat(limited).allSatisfy(f -> assertThat(f.getLong("retryAfterMs")).isPositive());
    assertThat(client.framesOfType("goodbye"))
        .singleElement()
        .satisfies(g -> assertThat(g.getInteger("code")).isEqualTo(4502));
  }
}
