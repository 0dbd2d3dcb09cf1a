package dev.mesh.connection.http;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.ops.SafeLog;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.connection.admission.Admission;
import dev.mesh.connection.auth.AuthFailure;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.OriginPolicy;
import dev.mesh.connection.auth.VerifiedToken;
import dev.mesh.connection.edge.EdgeDoor;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.WebSocketTransport;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.MultiMap;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /ws}: Origin, then admission control (a deferred client is upgraded only to be told
 * when to come back: close 4006 with a retry-after hint), then credential, answered with an HTTP
 * status before any upgrade; then the upgrade, the identity check (4506 when bad) and admission.
 * The socket stays paused until the connection is admitted, so a client's first frames are neither
 * lost nor processed early.
 */
public final class WebSocketEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketEndpoint.class);

  private final EdgeDoor edge;
  private final Authenticator authenticator;
  private final OriginPolicy origins;
  private final Doors doors;

  public WebSocketEndpoint(EdgeDoor edge, Authenticator authenticator, Doors doors) {
    this.edge = edge;
    this.authenticator = authenticator;
    this.doors = doors;
    this.origins = new OriginPolicy(edge.options().auth().allowedOrigins());
  }

  /** A plain {@code GET /ws} without an upgrade. */
  public void handlePlain(RoutingContext ctx) {
    HttpErrors.json(ctx.response(), 400, "bad-request", "GET /ws needs a WebSocket upgrade");
  }

  /**
   * Every upgrade request of the server. Vert.x 5's handshake handler lets the checks run
   * asynchronously before anything is accepted; a refusal is an HTTP status (401/403/404/503) and
   * no socket.
   */
  public void handshake(ServerWebSocketHandshake handshake) {
    Admission.Permit permit = null;
    try {
      if (!"/ws".equals(handshake.path())) {
        handshake.reject(404);
        return;
      }
      MultiMap headers = handshake.headers();
      if (doors.admit(Doors.Door.CONNECT, handshake.remoteAddress(), headers) > 0) {
        // A bare status: Vert.x's handshake API sends no headers, so no Retry-After (PROTOCOL 1.2).
        handshake.reject(429);
        return;
      }
      if (!origins.allows(headers.get("Origin"), headers.get("Host"))) {
        refuse(handshake, new AuthFailure(AuthFailure.Cause.ORIGIN, "origin not allowed"));
        return;
      }
      if (edge.draining()) {
        handshake.reject(503);
        return;
      }
      Admission.Decision decision = edge.admission().enter();
      if (decision instanceof Admission.Deferral deferral) {
        defer(handshake, deferral);
        return;
      }
      Admission.Permit admitted = (Admission.Permit) decision;
      permit = admitted;
      edge.metrics().admitted(Transport.WEBSOCKET);
      MultiMap query = parseQuery(handshake.query());
      authenticator
          .authenticate(headers, query)
          .onSuccess(token -> accept(handshake, query, token, admitted))
          .onFailure(
              e -> {
                admitted.release();
                refuse(handshake, e);
              });
    } catch (RuntimeException e) {
      if (permit != null) {
        permit.release();
      }
      // Every handshake gets an answer: an unexpected failure on hostile input is a refusal, never
      // a hang.
      LOG.warn(
          "event=handshake-failed remote={} cause=\"{}\"",
          handshake.remoteAddress(),
          SafeLog.escape(e.toString()));
      refuse(
          handshake,
          new AuthFailure(AuthFailure.Cause.MALFORMED, "request could not be authenticated"));
    }
  }

  /**
   * Over the admission rate or in-flight limit: upgraded (a browser cannot read an HTTP status)
   * only to get {@code goodbye} and close 4006 with the hint, before any authentication or registry
   * work (PROTOCOL 1.2 step 3b).
   */
  private void defer(ServerWebSocketHandshake handshake, Admission.Deferral deferral) {
    edge.metrics().deferred(Transport.WEBSOCKET, deferral.cause(), deferral.retryAfterMs());
    handshake
        .accept()
        .onSuccess(
            socket -> {
              socket.exceptionHandler(e -> {});
              socket.writeTextMessage(
                  Frames.goodbye(
                      CloseCode.DEFERRED,
                      CloseReason.POLICY.wireName(),
                      deferral.retryAfterMs(),
                      "node busy admitting connections: retry after the hint"));
              socket.close(
                  (short) CloseCode.DEFERRED.code(), "retry-after=" + deferral.retryAfterMs());
            })
        .onFailure(e -> LOG.debug("event=deferral-upgrade-failed cause=\"{}\"", e.toString()));
  }

  private void refuse(ServerWebSocketHandshake handshake, Throwable e) {
    if (!(e instanceof AuthFailure failure)) {
      // Not the caller's fault (e.g. the ticket store did not answer): retryable.
      LOG.warn("event=handshake-unavailable cause=\"{}\"", SafeLog.escape(e.getMessage()));
      handshake.reject(503);
      return;
    }
    edge.metrics().authFailure(failure.reason().tag());
    AuthLog.refused(failure, handshake.remoteAddress(), handshake.headers());
    handshake.reject(failure.reason().status());
  }

  private void accept(
      ServerWebSocketHandshake handshake,
      MultiMap query,
      VerifiedToken token,
      Admission.Permit permit) {
    handshake
        .accept()
        .onSuccess(
            socket -> {
              socket.pause();
              // Until admitted: a broken frame (a compressed one, when no compression was agreed)
              // closes the socket with its
              // protocol status at once; nothing of it is inflated or processed.
              socket.exceptionHandler(
                  e -> {
                    if (e instanceof CorruptedWebSocketFrameException corrupted) {
                      socket.close((short) corrupted.closeStatus().code(), "protocol error");
                    }
                  });
              Optional<String> bad = identityProblem(query);
              WebSocketTransport transport =
                  new WebSocketTransport(
                      socket,
                      edge.options().limits().outboundSoftBytes(),
                      edge.options().limits().outboundHardBytes());
              if (bad.isPresent()) {
                permit.release();
                edge.metrics().refused(CloseCode.BAD_IDENTITY);
                transport.send(
                    Frames.goodbye(CloseCode.BAD_IDENTITY, "policy", null, bad.get()), false);
                transport.close(CloseCode.BAD_IDENTITY, "policy");
                return;
              }
              ConnectionIdentity identity =
                  new ConnectionIdentity(
                      token.userId(),
                      query.get("session"),
                      query.get("tab"),
                      query.get("page"),
                      ConnectionIds.next(),
                      edge.nodeId());
              edge.admit(identity, attempt(query), transport, token)
                  .onComplete(ar -> permit.release())
                  .onSuccess(
                      session -> {
                        attach(socket, session);
                        socket.resume();
                      });
            })
        .onFailure(
            e -> {
              permit.release();
              LOG.warn("event=upgrade-failed cause=\"{}\"", e.toString());
            });
  }

  private static MultiMap parseQuery(String query) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    if (query != null) {
      new QueryStringDecoder(query, false).parameters().forEach(params::add);
    }
    return params;
  }

  private void attach(ServerWebSocket socket, Session session) {
    socket.textMessageHandler(text -> edge.onText(session, text));
    socket.binaryMessageHandler(buffer -> edge.onBinary(session));
    socket.pongHandler(pong -> session.seen(System.nanoTime()));
    socket.exceptionHandler(
        e -> {
          // Netty refuses a single frame over the limit; Vert.x reports a message whose fragments
          // add up past it.
          boolean tooBig =
              (e instanceof CorruptedWebSocketFrameException corrupted
                      && corrupted.closeStatus().code() == CloseCode.MESSAGE_TOO_BIG.code())
                  || (e instanceof IllegalStateException
                      && String.valueOf(e.getMessage()).contains("max message size"));
          if (tooBig) {
            edge.metrics().oversized.increment();
            edge.closeWithoutGoodbye(
                session,
                Disconnect.policy(
                    CloseCode.MESSAGE_TOO_BIG,
                    "message larger than " + edge.options().limits().maxFrameBytes() + " bytes"));
          } else if (e instanceof CorruptedWebSocketFrameException) {
            // A frame that breaks the framing (reserved bits: a compressed frame without agreed
            // compression): 1002.
            edge.closeWithoutGoodbye(
                session, Disconnect.policy(CloseCode.PROTOCOL_ERROR, "protocol error"));
          } else {
            try (var ignored = LogContext.connection(session.userId(), session.id())) {
              LOG.debug(
                  "event=socket-error connection={} cause=\"{}\"", session.id(), e.getMessage());
            }
          }
        });
  }

  /** The largest attempt number: the largest integer a JavaScript client counts exactly. */
  static final long MAX_ATTEMPT = 9_007_199_254_740_991L;

  static Optional<String> identityProblem(MultiMap query) {
    for (String field : List.of("session", "tab", "page")) {
      Optional<String> problem = ClientIds.checkId(field, query.get(field));
      if (problem.isPresent()) {
        return problem;
      }
    }
    String attempt = query.get("attempt");
    if (attempt != null && attemptNumber(attempt) < 0) {
      return Optional.of("attempt must be an integer from 1 to " + MAX_ATTEMPT);
    }
    return Optional.empty();
  }

  /**
   * The client's number of this attempt of its page (PROTOCOL 1.3); 0 when it sent none. Checked
   * first.
   */
  static long attempt(MultiMap query) {
    String attempt = query.get("attempt");
    return attempt == null ? 0 : attemptNumber(attempt);
  }

  /** A decimal from 1 to {@link #MAX_ATTEMPT} without sign or leading zero, else -1. */
  private static long attemptNumber(String text) {
    if (text.isEmpty() || text.length() > 16 || text.charAt(0) == '0') {
      return -1;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return -1;
      }
    }
    long value = Long.parseLong(text);
    return value <= MAX_ATTEMPT ? value : -1;
  }
}
