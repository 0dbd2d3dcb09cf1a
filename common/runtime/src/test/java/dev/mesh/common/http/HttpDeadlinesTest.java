package dev.mesh.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Slowloris and idle clients against a server with {@link HttpDeadlines}: headers or a body
 * trickled a byte at a time are cut at the request deadline, a silent kept-alive connection at the
 * idle deadline, while a client that sends its request in time is served, and a stream reported
 * long-lived stays open past both.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("HTTP deadlines: slow or idle clients are cut, prompt ones and streams are not")
class HttpDeadlinesTest {

  private static final Duration REQUEST = Duration.ofMillis(600);
  private static final Duration IDLE = Duration.ofMillis(900);

  private Future<HttpServer> server(Vertx vertx, AtomicReference<HttpDeadlines> holder) {
    return server(
        vertx,
        holder,
        new AtomicReference<>(),
        deadlines ->
            request -> {
              if (request.path().equals("/stream")) {
                deadlines.longLived(request.remoteAddress());
                request.response().setChunked(true).write("open\n");
              } else {
                request.body().onSuccess(body -> request.response().end("ok " + body.length()));
              }
            },
        null);
  }

  /**
   * A server whose every WebSocket handshake is accepted only to be closed at once with 4006, as a
   * node deferring a client does: nothing reports the connection long-lived.
   */
  private Future<HttpServer> deferringServer(
      Vertx vertx, AtomicReference<HttpDeadlines> holder, AtomicReference<Context> loop) {
    return server(
        vertx,
        holder,
        loop,
        deadlines -> request -> request.response().setStatusCode(404).end(),
        handshake ->
            handshake.accept().onSuccess(socket -> socket.close((short) 4006, "retry-after=1000")));
  }

  /**
   * Deploys a verticle whose server has {@link HttpDeadlines}; {@code holder} and {@code loop} get
   * the deadlines and the event loop they run on.
   */
  private Future<HttpServer> server(
      Vertx vertx,
      AtomicReference<HttpDeadlines> holder,
      AtomicReference<Context> loop,
      java.util.function.Function<HttpDeadlines, Handler<HttpServerRequest>> requests,
      Handler<ServerWebSocketHandshake> handshakes) {
    Promise<HttpServer> started = Promise.promise();
    vertx.deployVerticle(
        new io.vertx.core.VerticleBase() {
          @Override
          public Future<?> start() {
            HttpDeadlines deadlines = new HttpDeadlines(vertx, REQUEST, IDLE);
            holder.set(deadlines);
            loop.set(vertx.getOrCreateContext());
            return deadlines
                .createServer(
                    new io.vertx.core.http.HttpServerOptions(),
                    requests.apply(deadlines),
                    handshakes)
                .listen(0, "127.0.0.1")
                .onSuccess(started::complete);
          }
        });
    return started.future();
  }

  /**
   * Connects, runs {@code script} against the socket; completes with the ms from connect to the
   * server's close.
   */
  private static Future<Long> closedAfter(
      Vertx vertx, int port, java.util.function.Consumer<NetSocket> script, Buffer received) {
    Promise<Long> closed = Promise.promise();
    // Closed by the close handler, which keeps it reachable: Vert.x closes an unreachable client's
    // sockets when the garbage collector finds it.
    NetClient net = vertx.createNetClient();
    net.connect(port, "127.0.0.1")
        .onSuccess(
            socket -> {
              long start = System.nanoTime();
              socket.handler(received::appendBuffer);
              socket.closeHandler(
                  v -> {
                    net.close();
                    closed.tryComplete((System.nanoTime() - start) / 1_000_000);
                  });
              script.accept(socket);
            })
        .onFailure(closed::tryFail);
    return closed.future();
  }

  /** Writes {@code text} one byte every {@code everyMs}, for as long as the socket is open. */
  private static void trickle(Vertx vertx, NetSocket socket, String text, long everyMs) {
    int[] at = {0};
    vertx.setPeriodic(
        everyMs,
        id -> {
          if (at[0] >= text.length()) {
            vertx.cancelTimer(id);
            return;
          }
          socket.write(String.valueOf(text.charAt(at[0]++))).onFailure(e -> vertx.cancelTimer(id));
        });
  }

  @Test
  @DisplayName(
      "headers trickled a byte every 50 ms (never complete in time) are cut at the request deadline")
  void slowHeaders(Vertx vertx, VertxTestContext test) {
    AtomicReference<HttpDeadlines> deadlines = new AtomicReference<>();
    Buffer received = Buffer.buffer();
    server(vertx, deadlines)
        .compose(
            s ->
                closedAfter(
                    vertx,
                    s.actualPort(),
                    socket ->
                        trickle(
                            vertx,
                            socket,
                            "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(200) + "\r\n\r\n",
                            50),
                    received))
        .onComplete(
            test.succeeding(
                ms ->
                    test.verify(
                        () -> {
                          assertThat(ms)
                              .as("closed before the headers could finish (%d ms)", ms)
                              .isBetween(REQUEST.toMillis() - 50, REQUEST.toMillis() + 1500);
                          assertThat(received.toString()).as("no response").isEmpty();
                          assertThat(deadlines.get().closedCount()).isEqualTo(1);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("a body trickled after complete headers is cut at the request deadline")
  void slowBody(Vertx vertx, VertxTestContext test) {
    AtomicReference<HttpDeadlines> deadlines = new AtomicReference<>();
    Buffer received = Buffer.buffer();
    server(vertx, deadlines)
        .compose(
            s ->
                closedAfter(
                    vertx,
                    s.actualPort(),
                    socket -> {
                      socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
                      trickle(vertx, socket, "b".repeat(1000), 50);
                    },
                    received))
        .onComplete(
            test.succeeding(
                ms ->
                    test.verify(
                        () -> {
                          assertThat(ms).isLessThan(REQUEST.toMillis() + 1500);
                          assertThat(received.toString()).isEmpty();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "a prompt request is served; the kept-alive connection is closed after the idle deadline")
  void promptThenIdle(Vertx vertx, VertxTestContext test) {
    AtomicReference<HttpDeadlines> deadlines = new AtomicReference<>();
    Buffer received = Buffer.buffer();
    server(vertx, deadlines)
        .compose(
            s ->
                closedAfter(
                    vertx,
                    s.actualPort(),
                    socket ->
                        socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
                    received))
        .onComplete(
            test.succeeding(
                ms ->
                    test.verify(
                        () -> {
                          assertThat(received.toString())
                              .startsWith("HTTP/1.1 200")
                              .endsWith("ok 3");
                          assertThat(ms)
                              .as("idle close")
                              .isBetween(
                                  IDLE.toMillis() - 50,
                                  IDLE.toMillis() + REQUEST.toMillis() + 1500);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "a stream reported long-lived stays open past both deadlines and is no longer tracked")
  void streamsStayOpen(Vertx vertx, VertxTestContext test) {
    AtomicReference<HttpDeadlines> deadlines = new AtomicReference<>();
    Buffer received = Buffer.buffer();
    // Closed by the timer below, which keeps it reachable: a client the garbage collector finds
    // unreachable has its sockets closed by Vert.x.
    NetClient net = vertx.createNetClient();
    server(vertx, deadlines)
        .onComplete(
            test.succeeding(
                s ->
                    net.connect(s.actualPort(), "127.0.0.1")
                        .onComplete(
                            test.succeeding(
                                socket -> {
                                  socket.handler(received::appendBuffer);
                                  socket.closeHandler(v -> test.failNow("the stream was closed"));
                                  socket.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
                                  vertx.setTimer(
                                      IDLE.toMillis() + REQUEST.toMillis() + 1000,
                                      t ->
                                          test.verify(
                                              () -> {
                                                assertThat(received.toString()).contains("open");
                                                assertThat(deadlines.get().tracked()).isZero();
                                                assertThat(deadlines.get().closedCount()).isZero();
                                                socket.closeHandler(null);
                                                socket.close();
                                                net.close();
                                                test.completeNow();
                                              }));
                                }))));
  }

  @Test
  @DisplayName(
      "upgrades accepted and closed at once (deferrals) leave nothing tracked, before any deadline")
  void acceptedUpgradesAreUntracked(Vertx vertx, VertxTestContext test) {
    AtomicReference<HttpDeadlines> deadlines = new AtomicReference<>();
    AtomicReference<Context> serverContext = new AtomicReference<>();
    int clients = 20;
    AtomicInteger closed = new AtomicInteger();
    deferringServer(vertx, deadlines, serverContext)
        .onComplete(
            test.succeeding(
                s -> {
                  WebSocketClient client = vertx.createWebSocketClient();
                  for (int i = 0; i < clients; i++) {
                    client
                        .connect(s.actualPort(), "127.0.0.1", "/ws")
                        .onComplete(
                            test.succeeding(
                                socket ->
                                    socket.closeHandler(
                                        v -> {
                                          if (closed.incrementAndGet() < clients) {
                                            return;
                                          }
                                          // Read where the tracker lives: its server's loop. Well
                                          // inside the request deadline, so no sweep did it.
                                          serverContext
                                              .get()
                                              .runOnContext(
                                                  x ->
                                                      test.verify(
                                                          () -> {
                                                            assertThat(deadlines.get().tracked())
                                                                .as("connections still tracked")
                                                                .isZero();
                                                            assertThat(
                                                                    deadlines.get().closedCount())
                                                                .isZero();
                                                            client.close();
                                                            test.completeNow();
                                                          }));
                                        })));
                  }
                }));
  }
}
