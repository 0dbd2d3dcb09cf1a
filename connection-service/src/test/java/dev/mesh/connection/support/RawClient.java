package dev.mesh.connection.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP client that completes a WebSocket upgrade by hand and then goes silent: it never answers a
 * ping and never reads again, like a peer that vanished without a close frame (a laptop asleep, a
 * NAT that dropped the mapping).
 */
public final class RawClient {

  // Vert.x closes clients that become unreachable: keep every one this test class created.
  private static final java.util.List<Object> CLIENTS =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  private RawClient() {}

  /**
   * Completes with the socket once the server answered 101 Switching Protocols; the socket is then
   * paused.
   */
  public static Future<NetSocket> upgradeAndGoSilent(
      Vertx vertx, int port, String token, String query) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    String request =
        "GET /ws?"
            + query
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
            + "\r\n\r\n";
    Promise<NetSocket> upgraded = Promise.promise();
    var client = vertx.createNetClient();
    CLIENTS.add(client);
    client
        .connect(port, "127.0.0.1")
        .onSuccess(
            socket -> {
              Buffer received = Buffer.buffer();
              socket.handler(
                  data -> {
                    received.appendBuffer(data);
                    if (received.toString().contains("\r\n\r\n")) {
                      if (received.toString().startsWith("HTTP/1.1 101")) {
                        socket.pause();
                        upgraded.tryComplete(socket);
                      } else {
                        upgraded.tryFail(
                            received.toString().lines().findFirst().orElse("no status"));
                      }
                    }
                  });
              socket.write(request);
            })
        .onFailure(upgraded::tryFail);
    return upgraded.future();
  }
}
