package dev.mesh.connection.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.Json;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.routing.ForwardedFrame;
import dev.mesh.common.routing.FrameReply;
import dev.mesh.connection.admission.Admission;
import dev.mesh.connection.auth.AuthFailure;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.OriginPolicy;
import dev.mesh.connection.auth.VerifiedToken;
import dev.mesh.connection.edge.EdgeDoor;
import dev.mesh.connection.frames.ErrorCode;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.ResumeTokens;
import dev.mesh.connection.session.SseTransport;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Server-Sent Events (docs/PROTOCOL.md §7): {@code GET /sse} opens the receive stream with the same
 * Origin, auth, identity, limits and duplicate policy as {@code /ws}; {@code POST
 * /sse/<connectionId>} carries the client's frames, forwarded to whichever node holds the stream,
 * with the same semantics as WebSocket frames.
 */
public final class SseEndpoint {

  private static final String TOKEN = "mesh.token";

  private final EdgeDoor edge;
  private final Authenticator authenticator;
  private final OriginPolicy origins;
  private final Doors doors;

  public SseEndpoint(EdgeDoor edge, Authenticator authenticator, Doors doors) {
    this.edge = edge;
    this.authenticator = authenticator;
    this.doors = doors;
    this.origins = new OriginPolicy(edge.options().auth().allowedOrigins());
  }

  public void open(RoutingContext ctx) {
    MultiMap headers = ctx.request().headers();
    int wait = doors.admit(Doors.Door.CONNECT, ctx.request().remoteAddress(), headers);
    if (wait > 0) {
      HttpErrors.json(
          ctx.response().putHeader("Retry-After", Integer.toString(wait)),
          429,
          ErrorCode.RATE_LIMITED.wireName(),
          "too many connection attempts from your address: retry after " + wait + " s");
      return;
    }
    if (!origins.allows(headers.get("Origin"), headers.get("Host"))) {
      refuse(ctx, new AuthFailure(AuthFailure.Cause.ORIGIN, "origin not allowed"));
      return;
    }
    if (edge.draining()) {
      HttpErrors.json(
          ctx.response().putHeader("Retry-After", "1"),
          503,
          ErrorCode.UNAVAILABLE.wireName(),
          "node is shutting down");
      return;
    }
    String noQuorum = edge.quorumProblem();
    if (noQuorum != null) {
      // The stream's status is readable (unlike a WebSocket's): the same refusal as 4005, as 503 +
      // Retry-After.
      long hint = edge.cutOffHint();
      HttpErrors.json(
          ctx.response().putHeader("Retry-After", Long.toString((hint + 999) / 1000)),
          503,
          ErrorCode.UNAVAILABLE.wireName(),
          "node is cut off from the cluster (" + noQuorum + "): retry");
      return;
    }
    Admission.Decision decision = edge.admission().enter();
    if (decision instanceof Admission.Deferral deferral) {
      // Over the admission rate or in-flight limit, before any authentication or registry work
      // (PROTOCOL 1.2 step 3b).
      edge.metrics().deferred(Transport.SSE, deferral.cause(), deferral.retryAfterMs());
      ctx.response()
          .putHeader("Retry-After", Long.toString((deferral.retryAfterMs() + 999) / 1000));
      HttpErrors.json(
          ctx.response(),
          503,
          ErrorCode.UNAVAILABLE.wireName(),
          "node busy admitting connections: retry after " + deferral.retryAfterMs() + " ms",
          deferral.retryAfterMs());
      return;
    }
    Admission.Permit permit = (Admission.Permit) decision;
    edge.metrics().admitted(Transport.SSE);
    MultiMap query = ctx.request().params();
    authenticator
        .authenticate(headers, query)
        .onSuccess(
            token -> {
              Optional<String> bad = WebSocketEndpoint.identityProblem(query);
              Map<String, Position> positions;
              Set<String> channels;
              Set<String> presence;
              try {
                if (bad.isPresent()) {
                  throw new IllegalArgumentException(bad.get());
                }
                String resume =
                    headers.get("Last-Event-ID") != null
                        ? headers.get("Last-Event-ID")
                        : query.get("resume");
                positions = ResumeTokens.parse(resume);
                channels = new LinkedHashSet<>(list(query.get("channels")));
                channels.addAll(positions.keySet());
                presence = new LinkedHashSet<>(list(query.get("presence")));
                for (String channel : channels) {
                  ClientIds.checkChannel(channel)
                      .ifPresent(
                          p -> {
                            throw new IllegalArgumentException(p);
                          });
                }
                if (channels.size() > edge.options().limits().maxSubscriptions()) {
                  throw new IllegalArgumentException(
                      "at most " + edge.options().limits().maxSubscriptions() + " channels");
                }
              } catch (IllegalArgumentException e) {
                permit.release();
                ctx.response()
                    .setStatusCode(400)
                    .putHeader("Content-Type", "application/json")
                    .end(Frames.error(null, ErrorCode.INVALID_FIELD, e.getMessage()));
                return;
              }
              stream(ctx, token, query, channels, positions, presence, permit);
            })
        .onFailure(
            e -> {
              permit.release();
              refuse(ctx, e);
            });
  }

  private void stream(
      RoutingContext ctx,
      VerifiedToken token,
      MultiMap query,
      Set<String> channels,
      Map<String, Position> positions,
      Set<String> presence,
      Admission.Permit permit) {
    HttpServerResponse response =
        ctx.response()
            .setChunked(true)
            .putHeader("Content-Type", "text/event-stream; charset=utf-8")
            .putHeader("Cache-Control", "no-cache, no-transform")
            .putHeader("X-Accel-Buffering", "no");
    SseTransport transport =
        new SseTransport(
            response,
            edge.options().limits().outboundSoftBytes(),
            edge.options().limits().outboundHardBytes());
    String resumedFrom =
        positions.entrySet().stream()
            .map(e -> e.getKey() + "~" + e.getValue().compact())
            .collect(java.util.stream.Collectors.joining("|"));
    transport.resumeToken(() -> resumedFrom);
    transport.start(1000);
    doors.deadlines().longLived(ctx.request().remoteAddress());
    ConnectionIdentity identity =
        new ConnectionIdentity(
            token.userId(),
            query.get("session"),
            query.get("tab"),
            query.get("page"),
            ConnectionIds.next(),
            edge.nodeId());
    edge.admit(identity, WebSocketEndpoint.attempt(query), transport, token)
        .onComplete(ar -> permit.release())
        .onSuccess(
            session -> {
              transport.resumeToken(() -> ResumeTokens.of(session));
              for (String channel : channels) {
                edge.subscribeFromUrl(
                    session, channel, positions.get(channel), presence.contains(channel));
              }
            });
  }

  /**
   * {@code POST /sse/<connectionId>}, before its body is read: Origin and credential. The request
   * stays paused while the credential is checked, so nothing an unauthenticated caller sends is
   * read, let alone kept; the body handler that follows reads at most {@code MESH_MAX_FRAME_BYTES},
   * in memory, uploads off.
   */
  public void admitPost(RoutingContext ctx) {
    MultiMap headers = ctx.request().headers();
    int wait = doors.admit(Doors.Door.POST, ctx.request().remoteAddress(), headers);
    if (wait > 0) {
      ctx.response().putHeader("Retry-After", Integer.toString(wait));
      reply(
          ctx,
          429,
          Frames.error(
              null,
              ErrorCode.RATE_LIMITED,
              "too many POSTs from your address: retry after " + wait + " s"));
      return;
    }
    if (!origins.allows(headers.get("Origin"), headers.get("Host"))) {
      refuse(ctx, new AuthFailure(AuthFailure.Cause.ORIGIN, "origin not allowed"));
      return;
    }
    ctx.request().pause();
    authenticator
        .authenticateHeaders(headers)
        .onSuccess(
            token -> {
              ctx.put(TOKEN, token);
              ctx.next();
            })
        .onFailure(
            e -> {
              closeUnread(ctx);
              refuse(ctx, e);
            });
  }

  /**
   * A refusal before the body was read: the connection closes after the answer instead of reading
   * (or waiting for) the rest of a body nobody will look at; a paused, unread request would
   * otherwise hold the connection.
   */
  private static void closeUnread(RoutingContext ctx) {
    if (!ctx.request().isEnded() && !ctx.response().ended()) {
      ctx.response()
          .putHeader("Connection", "close")
          .endHandler(v -> ctx.request().connection().close());
    }
  }

  /** A body over the limit (the body handler's 413), or an unreadable one. */
  public void postFailed(RoutingContext ctx) {
    closeUnread(ctx);
    if (ctx.statusCode() == 413) {
      reply(
          ctx,
          413,
          Frames.error(
              null,
              ErrorCode.TOO_LARGE,
              "body larger than " + edge.options().limits().maxFrameBytes() + " bytes"));
    } else {
      reply(ctx, 400, Frames.error(null, ErrorCode.MALFORMED_JSON, "the body could not be read"));
    }
  }

  /** {@code POST /sse/<connectionId>}: one client frame, answered with its direct reply. */
  public void send(RoutingContext ctx) {
    String connectionId = ctx.pathParam("connectionId");
    VerifiedToken token = ctx.get(TOKEN);
    if (ctx.body().length() > edge.options().limits().maxFrameBytes()) {
      reply(
          ctx,
          413,
          Frames.error(
              null,
              ErrorCode.TOO_LARGE,
              "body larger than " + edge.options().limits().maxFrameBytes()));
      return;
    }
    JsonNode frame;
    try {
      frame =
          Json.MAPPER.readTree(
              ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (IOException e) {
      reply(
          ctx,
          400,
          Frames.error(null, ErrorCode.MALFORMED_JSON, "not valid JSON: " + e.getMessage()));
      return;
    }
    if (frame == null) {
      reply(ctx, 400, Frames.error(null, ErrorCode.MALFORMED_JSON, "empty body"));
      return;
    }
    edge.registry()
        .connectionsOf(token.userId())
        .map(
            entries ->
                entries.stream()
                    .filter(e -> e.connectionId().equals(connectionId))
                    .findFirst()
                    .orElse(null))
        .onSuccess(
            entry -> {
              if (entry == null) {
                reply(
                    ctx,
                    404,
                    Frames.error(
                        null,
                        ErrorCode.UNKNOWN_CONNECTION,
                        "no live connection " + connectionId + " of yours"));
                return;
              }
              ctx.vertx()
                  .eventBus()
                  .<FrameReply>request(
                      Addresses.nodeInbox(entry.nodeId()),
                      new ForwardedFrame(connectionId, token.userId(), frame))
                  .onSuccess(
                      message -> {
                        FrameReply answer = message.body();
                        reply(
                            ctx,
                            answer.status(),
                            answer.frame() == null ? null : Json.encode(answer.frame()));
                      })
                  .onFailure(
                      e -> {
                        int code =
                            e instanceof ReplyException r && r.failureCode() == 404 ? 404 : 503;
                        reply(
                            ctx,
                            code,
                            Frames.error(
                                null,
                                code == 404 ? ErrorCode.UNKNOWN_CONNECTION : ErrorCode.UNAVAILABLE,
                                code == 404
                                    ? "no live connection " + connectionId + " of yours"
                                    : "try again"));
                      });
            })
        .onFailure(e -> refuse(ctx, e));
  }

  private void refuse(RoutingContext ctx, Throwable e) {
    if (!(e instanceof AuthFailure failure)) {
      reply(ctx, 503, Frames.error(null, ErrorCode.UNAVAILABLE, "try again"));
      return;
    }
    edge.metrics().authFailure(failure.reason().tag());
    AuthLog.refused(failure, ctx.request().remoteAddress(), ctx.request().headers());
    HttpErrors.authFailure(ctx.response(), failure);
  }

  private static void reply(RoutingContext ctx, int status, String frame) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    HttpServerResponse response =
        ctx.response().setStatusCode(status).putHeader("Cache-Control", "no-store");
    if (frame == null) {
      response.end();
    } else {
      response.putHeader("Content-Type", "application/json").end(frame);
    }
  }

  private static Set<String> list(String value) {
    if (value == null || value.isBlank()) {
      return Set.of();
    }
    return new LinkedHashSet<>(
        Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
  }
}
