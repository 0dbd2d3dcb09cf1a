package dev.mesh.bench.attack;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One attacker of the suite: plain HTTP, hand-written WebSocket handshakes and raw bytes, all from
 * its own loopback address (127.0.0.x), so that per-address limits hit it and not the healthy pages
 * or the other rows.
 */
final class Attacker {

  /** An HTTP answer. */
  record Response(int status, MultiMap headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final Vertx vertx;
  final String address;
  private final HttpClient http;
  private final NetClient net;
  private final WebSocketClient webSockets;

  Attacker(Vertx vertx, String address) {
    this.vertx = vertx;
    this.address = address;
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setLocalAddress(address).setKeepAlive(false));
    this.net = vertx.createNetClient(new NetClientOptions().setLocalAddress(address));
    this.webSockets =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setLocalAddress(address)
                .setMaxFrameSize(1 << 20)
                .setMaxMessageSize(1 << 20));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete: " + e, e);
    }
  }

  Response request(
      HttpMethod method, int port, String uri, Map<String, String> headers, Buffer body) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(uri)
            .setTimeout(15_000);
    headers.forEach(options::addHeader);
    return await(
        http.request(options)
            .compose(request -> body == null ? request.send() : request.send(body))
            .compose(
                response ->
                    response
                        .body()
                        .map(
                            b ->
                                new Response(
                                    response.statusCode(), response.headers(), b.toString())))
            .recover(
                e ->
                    Future.succeededFuture(
                        new Response(-1, MultiMap.caseInsensitiveMultiMap(), e.toString()))));
  }

  /**
   * The status line a WebSocket upgrade request gets (or "closed: ..." when the server closed
   * without one).
   */
  String handshake(int port, String uri, String extraHeaders) {
    String answer = handshakeHeaders(port, uri, extraHeaders);
    int end = answer.indexOf("\r\n");
    return end < 0 ? answer : answer.substring(0, end);
  }

  /** The status line and headers a WebSocket upgrade request gets, or "closed: ...". */
  String handshakeHeaders(int port, String uri, String extraHeaders) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    Promise<String> answer = Promise.promise();
    net.connect(port, "127.0.0.1")
        .onSuccess(
            socket -> {
              Buffer received = Buffer.buffer();
              socket.handler(
                  data -> {
                    received.appendBuffer(data);
                    String text = received.toString();
                    int end = text.indexOf("\r\n\r\n");
                    if (end >= 0 && answer.tryComplete(text.substring(0, end))) {
                      socket.close();
                    }
                  });
              socket.closeHandler(v -> answer.tryComplete("closed: " + received));
              socket.write(
                  "GET "
                      + uri
                      + " HTTP/1.1\r\nHost: 127.0.0.1:"
                      + port
                      + "\r\nUpgrade: websocket\r\n"
                      + "Connection: Upgrade\r\nSec-WebSocket-Key: "
                      + Base64.getEncoder().encodeToString(key)
                      + "\r\n"
                      + "Sec-WebSocket-Version: 13\r\n"
                      + extraHeaders
                      + "\r\n");
            })
        .onFailure(e -> answer.tryComplete("connect failed: " + e));
    return await(answer.future().timeout(20, TimeUnit.SECONDS));
  }

  /**
   * Opens a raw connection, runs {@code script}; the ms until the server closed it (fails past
   * {@code limit}).
   */
  long closedAfter(int port, Consumer<NetSocket> script, Duration limit) {
    Promise<Long> closed = Promise.promise();
    net.connect(port, "127.0.0.1")
        .onSuccess(
            socket -> {
              long start = System.nanoTime();
              socket.handler(data -> {});
              socket.closeHandler(v -> closed.tryComplete((System.nanoTime() - start) / 1_000_000));
              script.accept(socket);
            })
        .onFailure(closed::tryFail);
    return await(closed.future().timeout(limit.toMillis(), TimeUnit.MILLISECONDS));
  }

  /** Writes {@code text} one byte every {@code everyMs} while the socket is open (slowloris). */
  void trickle(NetSocket socket, String text, long everyMs) {
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

  /** A WebSocket of this attacker: every text frame it got, and its close code. */
  static final class Socket {
    final WebSocket ws;
    final List<JsonObject> frames = new ArrayList<>();
    final Promise<Integer> closed = Promise.promise();

    Socket(WebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(
          text -> {
            synchronized (frames) {
              try {
                frames.add(new JsonObject(text));
              } catch (RuntimeException e) {
                frames.add(new JsonObject().put("unparsed", text));
              }
              frames.notifyAll();
            }
          });
      ws.closeHandler(
          v -> closed.tryComplete(ws.closeStatusCode() == null ? -1 : (int) ws.closeStatusCode()));
    }

    JsonObject await(java.util.function.Predicate<JsonObject> matching, Duration within) {
      synchronized (frames) {
        awaitFrames(() -> frames.stream().anyMatch(matching), within);
        return frames.stream()
            .filter(matching)
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("no matching frame within " + within + "; got " + frames));
      }
    }

    /** How many frames match, once {@code count} do or {@code within} has passed. */
    long awaitCount(
        java.util.function.Predicate<JsonObject> matching, long count, Duration within) {
      synchronized (frames) {
        awaitFrames(() -> frames.stream().filter(matching).count() >= count, within);
        return frames.stream().filter(matching).count();
      }
    }

    /** Waits, holding the frames' lock, until {@code done} or the deadline; woken by each frame. */
    private void awaitFrames(java.util.function.BooleanSupplier done, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      try {
        for (long left = within.toNanos(); !done.getAsBoolean() && left > 0; ) {
          TimeUnit.NANOSECONDS.timedWait(frames, left);
          left = deadline - System.nanoTime();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }

    void send(JsonObject frame) {
      Attacker.await(ws.writeTextMessage(frame.encode()));
    }

    boolean isClosed() {
      return closed.future().isComplete();
    }

    int closeCode(Duration within) {
      return Attacker.await(closed.future().timeout(within.toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  Socket webSocket(int port, String uri, Map<String, String> headers) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(options::addHeader);
    return await(webSockets.connect(options).map(Socket::new));
  }
}
