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
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The late-admission race of PROTOCOL 1.3: a page's attempt that reaches admission after the page's
 * next attempt was welcomed (here its upgrade request is held back on a slow link, so its node
 * admits it later, with a later {@code openedAt}) must not displace the newer connection. With
 * attempt numbers the stale one is refused with 4507 and the live one is untouched; before them the
 * stale one replaced the live one, which got a terminal 4504.
 */
@ExtendWith(VertxExtension.class)
@DisplayName(
    "Numbered attempts: a stale attempt admitted late never displaces the page's newer connection")
class StaleAttemptTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  @Test
  @DisplayName(
      "attempt 1 admitted on node A after attempt 2 was welcomed on node B is refused with 4507; B stays")
  void staleAttemptOnAnotherNodeIsRefused(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String token = tokens.valid("ann");
    nodes
        .start()
        .compose(
            a ->
                nodes
                    .start()
                    .compose(
                        b ->
                            SlowHandshake.begin(
                                    vertx,
                                    a.port(),
                                    "/ws?session=s1&tab=t1&page=pg-1&attempt=1",
                                    token)
                                .compose(
                                    stale ->
                                        connect(vertx, b.port(), token, "pg-1", 2)
                                            .compose(
                                                live ->
                                                    live.welcome()
                                                        .compose(
                                                            welcome ->
                                                                stale
                                                                    .finish()
                                                                    .compose(
                                                                        code ->
                                                                            ping(live)
                                                                                .compose(
                                                                                    pong ->
                                                                                        registry(b)
                                                                                            .map(
                                                                                                entries -> {
                                                                                                  test
                                                                                                      .verify(
                                                                                                          () -> {
                                                                                                            assertThat(
                                                                                                                    code)
                                                                                                                .isEqualTo(
                                                                                                                    CloseCode
                                                                                                                        .STALE_ATTEMPT
                                                                                                                        .code());
                                                                                                            assertThat(
                                                                                                                    stale
                                                                                                                        .frames())
                                                                                                                .extracting(
                                                                                                                    f ->
                                                                                                                        f
                                                                                                                            .getString(
                                                                                                                                "type"))
                                                                                                                .containsExactly(
                                                                                                                    "goodbye");
                                                                                                            assertThat(
                                                                                                                    stale
                                                                                                                        .frames()
                                                                                                                        .get(
                                                                                                                            0)
                                                                                                                        .getInteger(
                                                                                                                            "code"))
                                                                                                                .isEqualTo(
                                                                                                                    CloseCode
                                                                                                                        .STALE_ATTEMPT
                                                                                                                        .code());
                                                                                                            assertThat(
                                                                                                                    live.closed()
                                                                                                                        .isComplete())
                                                                                                                .isFalse();
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
                                                                                                                    entries
                                                                                                                        .get(
                                                                                                                            0)
                                                                                                                        .attempt())
                                                                                                                .isEqualTo(
                                                                                                                    2);
                                                                                                            assertThat(
                                                                                                                    a.service()
                                                                                                                        .edge()
                                                                                                                        .node()
                                                                                                                        .sessionCount())
                                                                                                                .isZero();
                                                                                                          });
                                                                                                  return entries;
                                                                                                }))))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "the same race on one node: the stale attempt is refused, the newer one keeps the page")
  void staleAttemptOnTheSameNodeIsRefused(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String token = tokens.valid("ben");
    nodes
        .start()
        .compose(
            a ->
                SlowHandshake.begin(
                        vertx, a.port(), "/ws?session=s1&tab=t1&page=pg-2&attempt=4", token)
                    .compose(
                        stale ->
                            connect(vertx, a.port(), token, "pg-2", 5)
                                .compose(
                                    live ->
                                        live.welcome()
                                            .compose(
                                                welcome ->
                                                    stale
                                                        .finish()
                                                        .compose(
                                                            code ->
                                                                ping(live)
                                                                    .compose(
                                                                        pong ->
                                                                            registry(a)
                                                                                .map(
                                                                                    entries -> {
                                                                                      test.verify(
                                                                                          () -> {
                                                                                            assertThat(
                                                                                                    code)
                                                                                                .isEqualTo(
                                                                                                    CloseCode
                                                                                                        .STALE_ATTEMPT
                                                                                                        .code());
                                                                                            assertThat(
                                                                                                    live.closed()
                                                                                                        .isComplete())
                                                                                                .isFalse();
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
                                                                                                    a.service()
                                                                                                        .edge()
                                                                                                        .node()
                                                                                                        .sessionCount())
                                                                                                .isEqualTo(
                                                                                                    1);
                                                                                          });
                                                                                      return entries;
                                                                                    })))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName("a newer attempt on another node still replaces the older one, which gets 4504")
  void newerAttemptReplaces(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String token = tokens.valid("cat");
    nodes
        .start()
        .compose(
            a ->
                nodes
                    .start()
                    .compose(
                        b ->
                            connect(vertx, a.port(), token, "pg-3", 1)
                                .compose(
                                    old ->
                                        old.welcome()
                                            .compose(
                                                w ->
                                                    connect(vertx, b.port(), token, "pg-3", 2)
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
                                                                                                  test
                                                                                                      .verify(
                                                                                                          () -> {
                                                                                                            assertThat(
                                                                                                                    code)
                                                                                                                .isEqualTo(
                                                                                                                    CloseCode
                                                                                                                        .REPLACED
                                                                                                                        .code());
                                                                                                            assertThat(
                                                                                                                    entries)
                                                                                                                .extracting(
                                                                                                                    RegistryEntry
                                                                                                                        ::connectionId)
                                                                                                                .containsExactly(
                                                                                                                    welcome
                                                                                                                        .getString(
                                                                                                                            "connectionId"));
                                                                                                          });
                                                                                                  return entries;
                                                                                                }))))))))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "an attempt that is not an integer from 1 is refused after the upgrade with 4506 naming the field")
  void badAttemptNumber(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            a ->
                Future.all(
                    List.of("0", "-1", "01", "x", "9007199254740992").stream()
                        .map(
                            bad ->
                                TestClient.connect(
                                        vertx,
                                        new WebSocketConnectOptions()
                                            .setHost("127.0.0.1")
                                            .setPort(a.port())
                                            .setURI(
                                                "/ws?session=s1&tab=t1&page=pg-4&attempt=" + bad)
                                            .addHeader(
                                                "Authorization", "Bearer " + tokens.valid("dan")))
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
                                                                            .as(bad)
                                                                            .isEqualTo(
                                                                                CloseCode
                                                                                    .BAD_IDENTITY
                                                                                    .code());
                                                                        assertThat(
                                                                                goodbye.getString(
                                                                                    "message"))
                                                                            .as(bad)
                                                                            .contains("attempt");
                                                                      });
                                                                  return code;
                                                                }))))
                        .toList()))
        .onComplete(test.succeedingThenComplete());
  }

  private static Future<TestClient> connect(
      Vertx vertx, int port, String token, String page, long attempt) {
    return TestClient.connect(
        vertx,
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/ws?session=s1&tab=t1&page=" + page + "&attempt=" + attempt)
            .addHeader("Authorization", "Bearer " + token));
  }

  /** The live connection still answers: it was neither closed nor replaced. */
  private static Future<JsonObject> ping(TestClient client) {
    return client
        .send(new JsonObject().put("type", "ping").put("id", "alive"))
        .compose(
            v ->
                client.await(
                    f -> "pong".equals(f.getString("type")) && "alive".equals(f.getString("id"))));
  }

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

  /**
   * A WebSocket attempt on a slow link, by hand: its upgrade request is written but for the final
   * empty line, so the server has not seen it whole and admits nothing; {@link #finish()} sends the
   * rest and completes with the close code the server then sends. Server frames are unmasked:
   * parsed here for the text frames and the close.
   */
  private static final class SlowHandshake {
    /**
     * This socket's own client, closed with it (which keeps it reachable until then: Vert.x closes
     * an unreachable client's sockets).
     */
    private final NetClient client;

    private final NetSocket socket;
    private final Buffer received = Buffer.buffer();
    private final Promise<Integer> closeCode = Promise.promise();
    private final List<JsonObject> frames = new java.util.ArrayList<>();
    private int parsed = -1;

    private SlowHandshake(NetClient client, NetSocket socket) {
      this.client = client;
      this.socket = socket;
      socket.handler(
          data -> {
            received.appendBuffer(data);
            parse();
          });
      socket.closeHandler(
          v -> {
            this.client.close();
            closeCode.tryFail("socket closed without a close frame: " + received);
          });
    }

    static Future<SlowHandshake> begin(Vertx vertx, int port, String uri, String token) {
      byte[] key = new byte[16];
      ThreadLocalRandom.current().nextBytes(key);
      String head =
          "GET "
              + uri
              + " HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + port
              + "\r\n"
              + "Upgrade: websocket\r\n"
              + "Connection: Upgrade\r\n"
              + "Sec-WebSocket-Key: "
              + Base64.getEncoder().encodeToString(key)
              + "\r\n"
              + "Sec-WebSocket-Version: 13\r\n"
              + "Authorization: Bearer "
              + token
              + "\r\n";
      NetClient client = vertx.createNetClient();
      return client
          .connect(port, "127.0.0.1")
          .compose(socket -> socket.write(head).map(v -> new SlowHandshake(client, socket)));
    }

    Future<Integer> finish() {
      return socket.write("\r\n").compose(v -> closeCode.future());
    }

    List<JsonObject> frames() {
      return frames;
    }

    private void parse() {
      if (parsed < 0) {
        String text = received.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        if (!text.startsWith("HTTP/1.1 101")) {
          closeCode.tryFail("upgrade refused: " + text.substring(0, end));
          return;
        }
        parsed = end + 4;
      }
      while (received.length() - parsed >= 2) {
        int opcode = received.getByte(parsed) & 0x0f;
        int length = received.getByte(parsed + 1) & 0x7f;
        int header = 2;
        if (length == 126) {
          if (received.length() - parsed < 4) {
            return;
          }
          length = received.getUnsignedShort(parsed + 2);
          header = 4;
        }
        if (received.length() - parsed < header + length) {
          return;
        }
        Buffer payload = received.getBuffer(parsed + header, parsed + header + length);
        parsed += header + length;
        if (opcode == 1) {
          frames.add(new JsonObject(payload.toString()));
        } else if (opcode == 8) {
          closeCode.tryComplete(length >= 2 ? payload.getUnsignedShort(0) : -1);
          socket.close();
        }
      }
    }
  }
}
