package dev.mesh.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bench page must close as mesh-client does: a connection abandoned without a {@code welcome}
 * ends with 4000, never 1000. A server reads 1000 as the page leaving for good (its user offline at
 * once, no grace), so a 1000 here made chaos scenario 6 report users offline although their page
 * came back within the grace.
 */
@ExtendWith(VertxExtension.class)
@DisplayName(
    "PageClient: a connection abandoned without welcome closes with 4000, as mesh-client does")
class PageClientCloseCodeTest {

  @Test
  @DisplayName("connect timeout (socket open, no welcome) closes with 4000")
  void connectTimeoutClosesWith4000(Vertx vertx, VertxTestContext test) throws Exception {
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws ->
                    ws.closeHandler(
                        v ->
                            test.verify(
                                () -> {
                                  // Open and silent: no welcome ever, so the client's connect
                                  // timeout abandons the socket.
                                  assertThat(ws.closeStatusCode()).isEqualTo((short) 4000);
                                  test.completeNow();
                                })));
    server
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    PageClient page =
        page(
            vertx,
            server,
            ClientPolicy.fast().withoutReconnect().withConnectTimeout(Duration.ofMillis(500)));
    page.start();
    assertThat(test.awaitCompletion(20, TimeUnit.SECONDS)).isTrue();
    if (test.failed()) {
      throw new AssertionError(test.causeOfFailure());
    }
  }

  @Test
  @DisplayName("a page that never reconnects still comes back after a deferral (4006) and its hint")
  void deferralIsFollowedWithoutReconnect(Vertx vertx, VertxTestContext test) throws Exception {
    java.util.concurrent.atomic.AtomicInteger upgrades =
        new java.util.concurrent.atomic.AtomicInteger();
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  if (upgrades.incrementAndGet() == 1) {
                    ws.close((short) 4006, "retry-after=100");
                  } else {
                    ws.writeTextMessage(
                        "{\"type\":\"welcome\",\"connectionId\":\"c\",\"nodeId\":\"n\"}");
                  }
                });
    server
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    PageClient page = page(vertx, server, ClientPolicy.fast().withoutReconnect());
    page.start()
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertThat(upgrades.get())
                              .as("deferred once, then welcomed")
                              .isEqualTo(2);
                          test.completeNow();
                        })));
    assertThat(test.awaitCompletion(20, TimeUnit.SECONDS)).isTrue();
    if (test.failed()) {
      throw new AssertionError(test.causeOfFailure());
    }
  }

  /** One page of one identity against {@code server}. */
  static PageClient page(Vertx vertx, HttpServer server, ClientPolicy policy) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions());
    return new PageClient(
        vertx,
        client,
        "u",
        "s",
        "t",
        "p",
        () -> "token",
        List.of(new Endpoint("127.0.0.1", server.actualPort())),
        0,
        policy);
  }
}
