package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.http.DoorOptions;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.RawHttp;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The doors of the public port (issue 12, item 8): slow clients cut by the request deadline on the
 * upgrade and on SSE, permessage-deflate never negotiated and compressed frames refused,
 * per-address rates answered 429 with Retry-After on every entry, and a healthy connection
 * untouched by all of it.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Doors: slowloris cut, no deflate, per-address rates, healthy clients untouched")
class DoorsTest {

  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(800);

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  /**
   * Opens a raw socket, trickles {@code text} one byte every 100 ms; completes with the ms until
   * the server closed.
   */
  private static Future<Long> trickleUntilClosed(Vertx vertx, int port, String text) {
    Promise<Long> closed = Promise.promise();
    // Closed by the socket's close handler, which keeps it reachable: Vert.x closes an unreachable
    // client's sockets when the garbage collector finds it.
    NetClient net = vertx.createNetClient();
    net.connect(port, "127.0.0.1")
        .onSuccess(
            socket -> {
              long start = System.nanoTime();
              int[] at = {0};
              long timer =
                  vertx.setPeriodic(
                      100,
                      id -> {
                        if (at[0] < text.length()) {
                          socket.write(String.valueOf(text.charAt(at[0]++)));
                        }
                      });
              socket.closeHandler(
                  v -> {
                    net.close();
                    vertx.cancelTimer(timer);
                    closed.tryComplete((System.nanoTime() - start) / 1_000_000);
                  });
            })
        .onFailure(closed::tryFail);
    return closed.future();
  }

  @Test
  @DisplayName(
      "slowloris on the WebSocket upgrade and on GET /sse is cut at the request deadline; a healthy page keeps its connection")
  void slowlorisIsCut(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String upgrade =
        "GET /ws?session=s&tab=t&page=p HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(new byte[16])
            + "\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer "
            + "x".repeat(100)
            + "\r\n\r\n";
    String sse =
        "GET /sse?session=s&tab=t&page=p HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-Pad: "
            + "y".repeat(100)
            + "\r\n\r\n";
    nodes
        .start(
            o ->
                o.withDoors(
                    DoorOptions.forTest().withTimeouts(REQUEST_TIMEOUT, Duration.ofSeconds(5))))
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("healthy"), "s", "t", "p")
                    .compose(
                        healthy ->
                            healthy
                                .welcome()
                                .compose(
                                    w ->
                                        Future.all(
                                            trickleUntilClosed(vertx, edge.port(), upgrade),
                                            trickleUntilClosed(vertx, edge.port(), sse)))
                                .compose(
                                    cut ->
                                        healthy
                                            .send(
                                                new JsonObject()
                                                    .put("type", "ping")
                                                    .put("id", "after"))
                                            .compose(
                                                v ->
                                                    healthy.await(
                                                        f -> "after".equals(f.getString("id"))))
                                            .map(
                                                pong -> {
                                                  test.verify(
                                                      () -> {
                                                        for (int i = 0; i < 2; i++) {
                                                          long ms = cut.<Long>resultAt(i);
                                                          assertThat(ms)
                                                              .as(
                                                                  "cut before the request could finish (%d ms)",
                                                                  ms)
                                                              .isLessThan(
                                                                  REQUEST_TIMEOUT.toMillis()
                                                                      + 3000);
                                                        }
                                                        assertThat(pong.getString("type"))
                                                            .isEqualTo("pong");
                                                        assertThat(healthy.closed().isComplete())
                                                            .isFalse();
                                                        assertThat(
                                                                edge.running()
                                                                    .context()
                                                                    .registry()
                                                                    .get(
                                                                        "mesh_http_deadline_closed_total")
                                                                    .functionCounter()
                                                                    .count())
                                                            .isGreaterThanOrEqualTo(2.0);
                                                      });
                                                  return pong;
                                                }))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "permessage-deflate is not negotiated, and a compressed frame (a decompression bomb) closes with 1002")
  void noDeflate(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            edge -> {
              Promise<Buffer> answer = Promise.promise();
              Promise<Void> closed = Promise.promise();
              // Closed by the close handler, which keeps it reachable (see trickleUntilClosed).
              NetClient net = vertx.createNetClient();
              net.connect(edge.port(), "127.0.0.1")
                  .onSuccess(
                      socket -> {
                        Buffer received = Buffer.buffer();
                        boolean[] upgraded = {false};
                        socket.handler(
                            data -> {
                              received.appendBuffer(data);
                              if (!upgraded[0] && received.toString().contains("\r\n\r\n")) {
                                upgraded[0] = true;
                                answer.tryComplete(received.copy());
                                sendCompressedBomb(socket);
                              }
                            });
                        socket.closeHandler(
                            v -> {
                              net.close();
                              closed.tryComplete();
                            });
                        socket.write(
                            "GET /ws?session=s&tab=t&page=p HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Key: "
                                + Base64.getEncoder().encodeToString(new byte[16])
                                + "\r\n"
                                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                                + "Authorization: Bearer "
                                + tokens.valid("zip")
                                + "\r\n\r\n");
                        closed
                            .future()
                            .onComplete(
                                v -> answer.tryFail("closed before the upgrade: " + received));
                      });
              return Future.all(answer.future(), closed.future())
                  .map(
                      v -> {
                        String response = answer.future().result().toString();
                        test.verify(
                            () -> {
                              assertThat(response).startsWith("HTTP/1.1 101");
                              assertThat(response.toLowerCase(Locale.ROOT))
                                  .doesNotContain("sec-websocket-extensions");
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  /**
   * A masked text frame with RSV1 set (permessage-deflate's "compressed" bit): deflate of 1 MiB of
   * zeros.
   */
  private static void sendCompressedBomb(NetSocket socket) {
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(9, true);
    deflater.setInput(new byte[1 << 20]);
    deflater.finish();
    byte[] out = new byte[1 << 16];
    int length = deflater.deflate(out);
    Buffer frame = Buffer.buffer();
    frame.appendByte((byte) (0x80 | 0x40 | 0x1));
    frame.appendByte((byte) (0x80 | 126));
    frame.appendShort((short) length);
    byte[] mask = {1, 2, 3, 4};
    frame.appendBytes(mask);
    for (int i = 0; i < length; i++) {
      frame.appendByte((byte) (out[i] ^ mask[i % 4]));
    }
    socket.write(frame);
  }

  @Test
  @DisplayName(
      "past the per-address rates: 429 with Retry-After on /sse, /auth/ticket and POST /sse/x, bare 429 on /ws; X-Forwarded-For from an untrusted peer changes nothing")
  void ratesPerAddress(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    RawHttp raw = new RawHttp(vertx);
    nodes
        .start(o -> o.withDoors(DoorOptions.forTest().withRates(1, 3, 1, 3)))
        .compose(
            edge -> {
              String token = tokens.valid("fld");
              Map<String, String> forged =
                  Map.of("Authorization", "Bearer " + token, "X-Forwarded-For", "198.51.100.9");
              List<Future<RawHttp.Response>> tickets = new ArrayList<>();
              List<Future<RawHttp.Response>> posts = new ArrayList<>();
              List<Future<RawHttp.Response>> streams = new ArrayList<>();
              for (int i = 0; i < 6; i++) {
                tickets.add(
                    raw.request(HttpMethod.POST, edge.port(), "/auth/ticket", forged, null));
                posts.add(
                    raw.request(
                        HttpMethod.POST,
                        edge.port(),
                        "/sse/x",
                        forged,
                        Buffer.buffer("{\"type\":\"ping\"}")));
              }
              // The connect bucket (3) is shared by /sse and /ws from this address.
              for (int i = 0; i < 3; i++) {
                streams.add(
                    raw.request(
                        HttpMethod.GET,
                        edge.port(),
                        "/sse?session=s&tab=t&page=p" + i,
                        Map.of("X-Forwarded-For", "198.51.100." + i),
                        null));
              }
              return Future.all(new ArrayList<Future<?>>(tickets))
                  .compose(t -> Future.all(new ArrayList<Future<?>>(posts)))
                  .compose(p -> Future.all(new ArrayList<Future<?>>(streams)))
                  .compose(
                      s ->
                          Future.all(
                              raw.request(
                                  HttpMethod.GET,
                                  edge.port(),
                                  "/sse?session=s&tab=t&page=q",
                                  Map.of(),
                                  null),
                              raw.handshake(
                                  edge.port(),
                                  "/ws?session=s&tab=t&page=w",
                                  "Authorization: Bearer " + token + "\r\n")))
                  .map(
                      last -> {
                        test.verify(
                            () -> {
                              assertThat(
                                      tickets.stream()
                                          .filter(f -> f.result().status() == 200)
                                          .count())
                                  .as("tickets served")
                                  .isEqualTo(3);
                              for (Future<RawHttp.Response> ticket : tickets.subList(3, 6)) {
                                assertThat(ticket.result().status()).isEqualTo(429);
                                assertThat(ticket.result().headers().get("Retry-After"))
                                    .isEqualTo("1");
                                assertThat(ticket.result().json().getString("error"))
                                    .isEqualTo("rate-limited");
                              }
                              for (Future<RawHttp.Response> post : posts.subList(3, 6)) {
                                assertThat(post.result().status()).isEqualTo(429);
                                assertThat(post.result().headers().get("Retry-After"))
                                    .isEqualTo("1");
                                assertThat(post.result().json().getString("code"))
                                    .isEqualTo("rate-limited");
                              }
                              RawHttp.Response sse = last.resultAt(0);
                              assertThat(sse.status()).as("4th connection attempt").isEqualTo(429);
                              assertThat(sse.headers().get("Retry-After")).isEqualTo("1");
                              assertThat(last.<String>resultAt(1)).startsWith("HTTP/1.1 429");
                              assertThat(
                                      edge.running()
                                          .context()
                                          .registry()
                                          .get("mesh_http_rate_limited_total")
                                          .tag("door", "ticket")
                                          .counter()
                                          .count())
                                  .isEqualTo(3.0);
                            });
                        return last;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }
}
