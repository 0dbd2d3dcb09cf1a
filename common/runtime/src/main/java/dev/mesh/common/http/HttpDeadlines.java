package dev.mesh.common.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deadlines on an HTTP server's connections, so that no client can hold a socket without sending a
 * request: the request line and headers must arrive within {@code requestTimeout} of the connection
 * (or of the previous response, on a kept-alive connection, within {@code idleTimeout}), and a
 * request body within {@code requestTimeout} of its headers. A connection past its deadline is
 * closed. Slowloris (headers or body trickled a byte at a time, which an idle timeout never
 * notices) and idle keep-alive connections are cut. Accepted WebSocket upgrades (on their own) and
 * SSE streams (reported with {@link #longLived}) are no longer tracked: heartbeats and outbound
 * bounds govern them.
 *
 * <p>Create the server with {@link #createServer}: it turns HTTP/2 clear-text detection off,
 * without which Vert.x hands over a connection only once its first request's headers are complete
 * (too late to time them). Everything runs on the event loop of the verticle that created the
 * server (one instance per server and verticle).
 */
public final class HttpDeadlines {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private enum Phase {
    AWAITING_REQUEST,
    READING_REQUEST,
    RESPONDING
  }

  private static final class Tracked {
    final HttpConnection connection;
    Phase phase = Phase.AWAITING_REQUEST;
    long deadlineNanos;
    HttpServerRequest request;

    Tracked(HttpConnection connection, long deadlineNanos) {
      this.connection = connection;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final Vertx vertx;
  private final long requestTimeoutNanos;
  private final long idleTimeoutNanos;
  private final Map<String, Tracked> connections = new HashMap<>();
  private long timer = -1;
  private long closedCount;

  public HttpDeadlines(Vertx vertx, Duration requestTimeout, Duration idleTimeout) {
    this.vertx = vertx;
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.idleTimeoutNanos = idleTimeout.toNanos();
  }

  /** With the default deadlines: 10 s for a request, 60 s idle between requests. */
  public static HttpDeadlines defaults(Vertx vertx) {
    return new HttpDeadlines(vertx, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT);
  }

  /**
   * Creates a server with {@code options} (h2c off), tracks its connections, passes requests to
   * {@code requests} and WebSocket handshakes to {@code handshakes} (null when the server takes
   * none), and starts the sweep that enforces the deadlines. An accepted WebSocket is no longer
   * tracked: the server's {@code webSocketHandler} does that, so callers must not replace it.
   */
  public HttpServer createServer(
      HttpServerOptions options,
      Handler<HttpServerRequest> requests,
      Handler<ServerWebSocketHandshake> handshakes) {
    HttpServer server =
        vertx.createHttpServer(new HttpServerOptions(options).setHttp2ClearTextEnabled(false));
    server.connectionHandler(this::connected);
    server.requestHandler(
        request -> {
          requestStarted(request);
          requests.handle(request);
        });
    if (handshakes != null) {
      server.webSocketHandshakeHandler(
          handshake -> {
            // Headers complete; until the upgrade is accepted the connection waits like a
            // kept-alive one.
            headersReceived(handshake.remoteAddress());
            handshakes.handle(handshake);
          });
      // Every accepted upgrade, even one accepted only to be closed at once (a deferral): once
      // upgraded, the HTTP connection's close handler never runs, so only this releases its entry
      // (and, with it, the whole connection) before the idle deadline would.
      server.webSocketHandler(socket -> longLived(socket.remoteAddress()));
    }
    long tick = Math.max(50, Math.min(1000, Duration.ofNanos(requestTimeoutNanos).toMillis() / 4));
    timer = vertx.setPeriodic(tick, id -> sweep(System.nanoTime()));
    return server;
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * The connection of {@code remote} now carries a long-lived exchange (an accepted WebSocket, an
   * SSE stream): it is no longer tracked, so no deadline here closes it.
   */
  public void longLived(SocketAddress remote) {
    String key = key(remote);
    Tracked tracked = connections.get(key);
    if (tracked != null) {
      connections.remove(key, tracked);
    }
  }

  /**
   * Connections tracked now (awaiting or reading a request, or being answered). Like {@link
   * #closedCount}, readable from another thread (a metrics scrape) as a figure that may be stale.
   */
  public int tracked() {
    return connections.size();
  }

  /** Connections closed for missing a deadline since start. */
  public long closedCount() {
    return closedCount;
  }

  private static String key(SocketAddress address) {
    return address == null ? "?" : address.host() + ":" + address.port();
  }

  private void connected(HttpConnection connection) {
    String key = key(connection.remoteAddress());
    Tracked tracked = new Tracked(connection, System.nanoTime() + requestTimeoutNanos);
    connections.put(key, tracked);
    // Only this connection's entry: the same address and port may belong to a newer connection by
    // then.
    connection.closeHandler(v -> connections.remove(key, tracked));
  }

  private void headersReceived(SocketAddress remote) {
    Tracked tracked = connections.get(key(remote));
    if (tracked != null) {
      tracked.phase = Phase.READING_REQUEST;
      tracked.request = null;
    }
  }

  private void requestStarted(HttpServerRequest request) {
    Tracked tracked = connections.get(key(request.remoteAddress()));
    if (tracked != null) {
      tracked.phase = Phase.READING_REQUEST;
      tracked.request = request;
      tracked.deadlineNanos = System.nanoTime() + requestTimeoutNanos;
    }
  }

  void sweep(long now) {
    List<Tracked> late = new ArrayList<>();
    for (Tracked tracked : connections.values()) {
      switch (tracked.phase) {
        case AWAITING_REQUEST -> {
          if (now - tracked.deadlineNanos > 0) {
            late.add(tracked);
          }
        }
        case READING_REQUEST, RESPONDING -> {
          HttpServerRequest request = tracked.request;
          boolean read = request == null || request.isEnded();
          boolean answered = request == null || request.response().ended();
          if (read && answered) {
            // Kept alive: the next request's headers are due within the idle timeout.
            tracked.phase = Phase.AWAITING_REQUEST;
            tracked.request = null;
            tracked.deadlineNanos = now + idleTimeoutNanos;
          } else if (read) {
            // The server is answering (a handler waiting for the cluster, say): its own timeouts
            // apply.
            tracked.phase = Phase.RESPONDING;
          } else if (now - tracked.deadlineNanos > 0) {
            late.add(tracked);
          }
        }
      }
    }
    for (Tracked tracked : late) {
      closedCount++;
      connections.remove(key(tracked.connection.remoteAddress()), tracked);
      tracked.connection.close();
    }
  }
}
