package dev.mesh.bench.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket spoken by hand over TCP, for what a well-behaved client library refuses to do: frames
 * with invalid UTF-8, arbitrary opcodes, oversized or truncated payloads, and a peer that stops
 * reading and answering (a silent one). After the upgrade it either keeps reading (and discards)
 * what the server sends, or goes silent.
 */
public final class RawWebSocket {

  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;

  private final NetSocket socket;
  private final AtomicInteger closeCode = new AtomicInteger(0);
  private volatile boolean ended;

  private RawWebSocket(NetSocket socket) {
    this.socket = socket;
  }

  /**
   * Upgrades {@code /ws?query} with a bearer token. With {@code silent} the socket is paused right
   * after the 101 and never read again (no pong, no close reply); otherwise every inbound byte is
   * read and a server close frame noted.
   */
  public static Future<RawWebSocket> upgrade(
      NetClient client, Endpoint endpoint, String token, String query, boolean silent) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    String request =
        "GET /ws?"
            + query
            + " HTTP/1.1\r\n"
            + "Host: "
            + endpoint
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
    Promise<RawWebSocket> upgraded = Promise.promise();
    client
        .connect(endpoint.port(), endpoint.host())
        .onSuccess(
            socket -> {
              RawWebSocket raw = new RawWebSocket(socket);
              Buffer head = Buffer.buffer();
              socket.closeHandler(
                  v -> {
                    raw.ended = true;
                    upgraded.tryFail("closed before the upgrade");
                  });
              socket.handler(
                  data -> {
                    if (upgraded.future().isComplete()) {
                      raw.inspect(data);
                      return;
                    }
                    head.appendBuffer(data);
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n\r\n");
                    if (end >= 0) {
                      if (text.startsWith("HTTP/1.1 101")) {
                        if (silent) {
                          socket.pause();
                        }
                        upgraded.tryComplete(raw);
                        if (head.length() > end + 4) {
                          raw.inspect(head.getBuffer(end + 4, head.length()));
                        }
                      } else {
                        socket.close();
                        upgraded.tryFail(text.lines().findFirst().orElse("no status"));
                      }
                    }
                  });
              socket.write(request);
            })
        .onFailure(upgraded::tryFail);
    return upgraded.future();
  }

  /**
   * Notes a server close frame when one starts a chunk (good enough to count who closed and with
   * what).
   */
  private void inspect(Buffer data) {
    if (data.length() >= 4 && (data.getByte(0) & 0x0F) == CLOSE) {
      closeCode.compareAndSet(0, data.getUnsignedShort(2));
    }
  }

  /** Sends one frame, masked as a client must, with the given opcode and FIN bit. */
  public Future<Void> frame(int opcode, byte[] payload, boolean fin) {
    Buffer frame = Buffer.buffer(payload.length + 14);
    frame.appendByte((byte) ((fin ? 0x80 : 0) | (opcode & 0x0F)));
    if (payload.length < 126) {
      frame.appendByte((byte) (0x80 | payload.length));
    } else if (payload.length < 65536) {
      frame.appendByte((byte) (0x80 | 126)).appendUnsignedShort(payload.length);
    } else {
      frame.appendByte((byte) (0x80 | 127)).appendLong(payload.length);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.appendBytes(mask);
    byte[] masked = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    frame.appendBytes(masked);
    return socket.write(frame);
  }

  public Future<Void> text(String text) {
    return frame(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
  }

  /** The server's close code, 0 while none was seen. */
  public int closeCode() {
    return closeCode.get();
  }

  /** Whether the TCP connection has ended. */
  public boolean ended() {
    return ended;
  }

  public void onEnd(Runnable action) {
    socket.closeHandler(
        v -> {
          ended = true;
          action.run();
        });
  }

  public Future<Void> close() {
    return socket.close();
  }
}
