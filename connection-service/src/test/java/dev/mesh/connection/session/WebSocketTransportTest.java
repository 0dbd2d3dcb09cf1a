package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The WebSocket transport of a connection that drops while it is being admitted")
class WebSocketTransportTest {

  /**
   * The endpoint pauses a new socket until the connection is registered. If the client leaves
   * meanwhile, Vert.x marks the socket closed at once but holds its close handler until the socket
   * is resumed, and throws "WebSocket is closed" from writeQueueFull(): the welcome then threw, the
   * socket was never resumed and the connection stayed a ghost in the registry (found by the full
   * chaos run).
   */
  @Test
  @DisplayName("reports itself closed, drops frames without throwing, and closes once resumed")
  void dropWhilePausedIsHandled(Vertx vertx, VertxTestContext test) {
    WebSocketClient client =
        vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(0));
    var closedHandlerRan = test.checkpoint();
    vertx
        .createHttpServer()
        .webSocketHandler(
            ws -> {
              ws.pause();
              WebSocketTransport transport = new WebSocketTransport(ws, 64 * 1024, 1024 * 1024);
              transport.onClosed(closedHandlerRan::flag);
              vertx.setPeriodic(
                  10,
                  timer -> {
                    if (!ws.isClosed()) {
                      return;
                    }
                    vertx.cancelTimer(timer);
                    test.verify(
                        () -> {
                          assertThat(transport.isClosed()).isTrue();
                          assertThat(transport.send("{\"type\":\"welcome\"}", false))
                              .isEqualTo(SessionTransport.Outcome.DROPPED);
                          assertThat(transport.send("{\"type\":\"event\"}", true))
                              .isEqualTo(SessionTransport.Outcome.DROPPED);
                          assertThat(transport.congested()).isFalse();
                          transport.ping();
                        });
                    ws.resume();
                  });
            })
        .listen(0, "127.0.0.1")
        .compose(server -> client.connect(server.actualPort(), "127.0.0.1", "/"))
        .compose(socket -> socket.close())
        .onFailure(test::failNow);
  }
}
