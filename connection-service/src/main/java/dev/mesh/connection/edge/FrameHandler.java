package dev.mesh.connection.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.bus.Json;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.CloseCodes;
import dev.mesh.common.protocol.Position;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Optional;

/**
 * Inbound client frames (docs/PROTOCOL.md §3.2, §3.4). A bad frame gets an {@code error} naming the
 * problem and the client's request id, and nothing else happens; abuse errors add up, and the
 * threshold closes the connection with 4502. Frames from a connection that is no longer open
 * (replaced, closing) are ignored without reply.
 */
public final class FrameHandler {

  /** The direct reply to a frame, for SSE {@code POST}s (WebSocket replies go on the socket). */
  public record Reply(int status, String frame) {
    static final Reply NONE = new Reply(204, null);
  }

  /** Largest presence member info accepted, serialised (docs/PROTOCOL.md §10.3). */
  static final int MAX_INFO_BYTES = 1024;

  private final Edge edge;
  private final Authenticator authenticator;

  FrameHandler(Edge edge, Authenticator authenticator) {
    this.edge = edge;
    this.authenticator = authenticator;
  }

  /** A text frame from the socket. */
  public void onText(Session session, String text) {
    long now = System.nanoTime();
    session.seen(now);
    if (!session.isOpen()) {
      return;
    }
    edge.metrics.messagesIn.increment();
    edge.metrics.bytesIn.increment(text.length());
    JsonNode frame;
    try {
      frame = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      abuse(
          session,
          null,
          "malformed-json",
          "not valid JSON (or nested deeper than "
              + Json.MAX_NESTING_DEPTH
              + "): "
              + e.getOriginalMessage(),
          now);
      return;
    }
    handle(session, frame, now)
        .onSuccess(
            reply -> {
              if (reply.frame() != null) {
                edge.outbound.send(session, reply.frame());
              }
            });
  }

  /** A binary frame: not part of the protocol. */
  public void onBinary(Session session) {
    long now = System.nanoTime();
    session.seen(now);
    if (session.isOpen()) {
      edge.metrics.messagesIn.increment();
      abuse(
          session,
          null,
          "unsupported-frame",
          "binary frames are not supported: send JSON text frames",
          now);
    }
  }

  /**
   * Handles one parsed frame and returns its direct reply. Errors are returned as replies too (and
   * counted); the WebSocket path writes the reply to the socket, the SSE path returns it in the
   * HTTP response.
   */
  public Future<Reply> handle(Session session, JsonNode frame, long now) {
    if (!session.takeRate(now)) {
      edge.metrics.rateLimited.increment();
      String rateId = frame != null && frame.isObject() ? Frames.string(frame, "id") : null;
      return Future.succeededFuture(
          abuseReply(
              session,
              rateId,
              "rate-limited",
              "more than "
                  + edge.options.limits().ratePerSecond()
                  + " frames per second: frame dropped, retry later",
              now));
    }
    if (frame == null || !frame.isObject()) {
      return Future.succeededFuture(
          abuseReply(session, null, "malformed-json", "a frame must be a JSON object", now));
    }
    String id = Frames.string(frame, "id");
    JsonNode typeNode = frame.get("type");
    if (typeNode == null || typeNode.isNull()) {
      return Future.succeededFuture(
          abuseReply(session, id, "missing-field", "type is required", now));
    }
    if (!typeNode.isTextual()) {
      return Future.succeededFuture(
          abuseReply(session, id, "invalid-field", "type must be a string", now));
    }
    if (frame.has("id") && (id == null || ClientIds.checkId("id", id).isPresent())) {
      return Future.succeededFuture(
          abuseReply(
              session,
              null,
              "invalid-field",
              "id must be 1-" + ClientIds.MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ -",
              now));
    }
    return switch (typeNode.asText()) {
      case "ping" -> Future.succeededFuture(new Reply(200, Frames.pong(id)));
      case "subscribe" -> subscribe(session, id, frame, now);
      case "unsubscribe" -> unsubscribe(session, id, frame, now);
      case "publish" -> publish(session, id, frame, now);
      case "ack" -> Future.succeededFuture(ack(session, frame, now));
      case "refresh" -> refresh(session, id, frame, now);
      case "close" -> {
        edge.lifecycle.closeWithoutGoodbye(session, Disconnect.clientClosed());
        yield Future.succeededFuture(Reply.NONE);
      }
      default ->
          Future.succeededFuture(
              abuseReply(
                  session, id, "unknown-type", "unknown type '" + typeNode.asText() + "'", now));
    };
  }

  private Future<Reply> subscribe(Session session, String id, JsonNode frame, long now) {
    Optional<String> problem = requireId(id).or(() -> channelProblem(frame));
    if (problem.isPresent()) {
      return Future.succeededFuture(
          abuseReply(session, id, code(problem.get()), problem.get(), now));
    }
    String channel = frame.get("channel").asText();
    Position from;
    try {
      from = position(frame.get("position"));
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(abuseReply(session, id, "invalid-field", e.getMessage(), now));
    }
    JsonNode presenceNode = frame.get("presence");
    if (presenceNode != null && !presenceNode.isBoolean() && !presenceNode.isNull()) {
      return Future.succeededFuture(
          abuseReply(session, id, "invalid-field", "presence must be a boolean", now));
    }
    Subscription existing = session.subscription(channel);
    if (existing != null) {
      ObjectNode subscribed = Frames.frame("subscribed").put("id", id).put("channel", channel);
      if (existing.epoch() != null) {
        subscribed.set(
            "position", Frames.position(new Position(existing.epoch(), existing.lastSeq())));
      }
      return Future.succeededFuture(new Reply(200, Frames.text(subscribed)));
    }
    if (session.subscriptionCount() >= edge.options.limits().maxSubscriptions()) {
      return Future.succeededFuture(
          error(
              id,
              429,
              "too-many-subscriptions",
              "at most "
                  + edge.options.limits().maxSubscriptions()
                  + " subscriptions per connection"));
    }
    boolean presence = presenceNode != null && presenceNode.asBoolean(false);
    JsonNode info = frame.get("info");
    if (info != null
        && !info.isNull()
        && (!info.isObject() || Json.encode(info).length() > MAX_INFO_BYTES)) {
      return Future.succeededFuture(
          abuseReply(
              session,
              id,
              info.isObject() ? "too-large" : "invalid-field",
              "info must be a JSON object of at most " + MAX_INFO_BYTES + " bytes",
              now));
    }
    return edge.authorizer
        .check(AuthorizeRequest.SUBSCRIBE, channel, session.identity(), session.token().claims())
        .compose(
            decision -> {
              if (!session.isOpen()) {
                return Future.succeededFuture(Reply.NONE);
              }
              if (!decision.allowed()) {
                return Future.succeededFuture(
                    decision.unavailable()
                        ? error(id, 503, "unavailable", decision.reason())
                        : abuseReply(
                            session, id, "forbidden", decision.reason(), System.nanoTime()));
              }
              if (session.isSubscribed(channel)) {
                return Future.succeededFuture(Reply.NONE);
              }
              // subscribed/reset/events go on the stream in order; the SSE POST only gets an empty
              // 204 for them.
              edge.subscriptions.subscribe(session, id, channel, from, presence, info);
              return Future.succeededFuture(Reply.NONE);
            });
  }

  /**
   * A channel named in an SSE URL or resume token: the same checks as a subscribe frame; errors go
   * on the stream.
   */
  public void subscribeFromUrl(Session session, String channel, Position from, boolean presence) {
    if (session.subscriptionCount() >= edge.options.limits().maxSubscriptions()) {
      edge.outbound.send(
          session, error(null, 429, "too-many-subscriptions", "too many channels").frame());
      return;
    }
    edge.authorizer
        .check(AuthorizeRequest.SUBSCRIBE, channel, session.identity(), session.token().claims())
        .onSuccess(
            decision -> {
              if (!session.isOpen() || session.isSubscribed(channel)) {
                return;
              }
              if (decision.allowed()) {
                edge.subscriptions.subscribe(session, null, channel, from, presence, null);
              } else {
                ObjectNode error =
                    Frames.frame("error")
                        .put("code", decision.unavailable() ? "unavailable" : "forbidden")
                        .put("message", decision.reason())
                        .put("channel", channel);
                edge.outbound.send(session, Frames.text(error));
              }
            });
  }

  private Future<Reply> unsubscribe(Session session, String id, JsonNode frame, long now) {
    Optional<String> problem = requireId(id).or(() -> channelProblem(frame));
    if (problem.isPresent()) {
      return Future.succeededFuture(
          abuseReply(session, id, code(problem.get()), problem.get(), now));
    }
    String channel = frame.get("channel").asText();
    Subscription subscription = session.subscription(channel);
    if (!edge.subscriptions.detach(session, channel)) {
      return Future.succeededFuture(
          error(id, 409, "not-subscribed", "not subscribed to " + channel));
    }
    if (subscription.presence()) {
      edge.presence.leave(session.identity(), channel);
    }
    String unsubscribed =
        Frames.text(Frames.frame("unsubscribed").put("id", id).put("channel", channel));
    if (session.transport().kind() == Transport.SSE) {
      // On the stream too, so its id: stops naming the channel and a native reconnect does not
      // resubscribe it.
      edge.outbound.send(session, unsubscribed);
    }
    return Future.succeededFuture(new Reply(200, unsubscribed));
  }

  private Future<Reply> publish(Session session, String id, JsonNode frame, long now) {
    Optional<String> problem = requireId(id).or(() -> channelProblem(frame));
    if (problem.isPresent()) {
      return Future.succeededFuture(
          abuseReply(session, id, code(problem.get()), problem.get(), now));
    }
    JsonNode data = frame.get("data");
    if (data == null || data.isNull()) {
      return Future.succeededFuture(
          abuseReply(session, id, "missing-field", "data is required (any JSON but null)", now));
    }
    JsonNode criticalNode = frame.get("critical");
    if (criticalNode != null && !criticalNode.isBoolean()) {
      return Future.succeededFuture(
          abuseReply(session, id, "invalid-field", "critical must be a boolean", now));
    }
    String channel = frame.get("channel").asText();
    boolean critical = criticalNode != null && criticalNode.asBoolean();
    return edge.authorizer
        .check(AuthorizeRequest.PUBLISH, channel, session.identity(), session.token().claims())
        .compose(
            decision -> {
              if (!decision.allowed()) {
                return Future.succeededFuture(
                    decision.unavailable()
                        ? error(id, 503, "unavailable", decision.reason())
                        : abuseReply(
                            session, id, "forbidden", decision.reason(), System.nanoTime()));
              }
              return edge.log
                  .publish(
                      channel,
                      id,
                      data,
                      critical,
                      "user:" + session.userId(),
                      session.userId(),
                      session.id())
                  .map(
                      published -> {
                        ObjectNode reply =
                            Frames.frame("published")
                                .put("id", id)
                                .put("channel", channel)
                                .put("epoch", published.epoch())
                                .put("seq", published.seq());
                        if (published.duplicate()) {
                          reply.put("duplicate", true);
                        }
                        return new Reply(200, Frames.text(reply));
                      })
                  .otherwise(e -> publishFailure(id, e));
            });
  }

  /**
   * Replay's 400/413 are final for this frame; anything else (timeout, no handlers, 503) is worth a
   * retry.
   */
  private Reply publishFailure(String id, Throwable e) {
    int code = e instanceof io.vertx.core.eventbus.ReplyException reply ? reply.failureCode() : -1;
    if (code == dev.mesh.common.bus.ErrorCodes.TOO_LARGE) {
      return error(id, 413, "too-large", e.getMessage());
    }
    if (code == dev.mesh.common.bus.ErrorCodes.BAD_REQUEST) {
      return error(id, 400, "invalid-field", e.getMessage());
    }
    if (code == dev.mesh.common.bus.ErrorCodes.LIMIT_REACHED) {
      return error(id, 429, "too-many-channels", e.getMessage());
    }
    // The cause's kind only: a timeout's text names the internal reply address.
    String cause =
        e instanceof io.vertx.core.eventbus.ReplyException reply
            ? switch (reply.failureType()) {
              case TIMEOUT -> "replay-service did not answer in time";
              case NO_HANDLERS -> "replay-service is not reachable";
              default -> "replay-service failed (" + reply.failureCode() + ")";
            }
            : "replay-service failed";
    return error(id, 503, "unavailable", "publish failed: " + cause + "; retry with the same id");
  }

  private Reply ack(Session session, JsonNode frame, long now) {
    Optional<String> problem = channelProblem(frame);
    if (problem.isPresent()) {
      return abuseReply(session, null, code(problem.get()), problem.get(), now);
    }
    JsonNode seqNode = frame.get("seq");
    if (seqNode == null
        || !seqNode.canConvertToLong()
        || !seqNode.isIntegralNumber()
        || seqNode.asLong() < 0) {
      return abuseReply(
          session,
          null,
          seqNode == null ? "missing-field" : "invalid-field",
          "seq must be an integer >= 0",
          now);
    }
    String channel = frame.get("channel").asText();
    Subscription subscription = session.subscription(channel);
    if (subscription == null) {
      return error(null, 409, "not-subscribed", "not subscribed to " + channel);
    }
    if (subscription.epoch() == null || seqNode.asLong() > subscription.lastSeq()) {
      return abuseReply(session, null, "invalid-field", "ack beyond the last event delivered", now);
    }
    edge.log.ack(session.userId(), channel, subscription.epoch(), seqNode.asLong());
    return Reply.NONE;
  }

  private Future<Reply> refresh(Session session, String id, JsonNode frame, long now) {
    String token = Frames.string(frame, "token");
    if (id == null || token == null) {
      return Future.succeededFuture(
          abuseReply(session, id, "missing-field", "refresh needs id and token", now));
    }
    return authenticator
        .verify(token)
        .compose(
            verified ->
                verified.userId().equals(session.userId())
                    ? Future.succeededFuture(verified)
                    : Future.failedFuture("token is for another user"))
        .map(
            verified -> {
              session.tokenRefreshed(verified);
              scheduleTokenExpiry(session);
              return new Reply(200, Frames.refreshed(id, verified.expiresAt()));
            })
        .otherwise(
            e -> {
              edge.lifecycle.close(
                  session,
                  Disconnect.policy(CloseCodes.UNAUTHORIZED, "refresh refused: " + e.getMessage()));
              return Reply.NONE;
            });
  }

  /**
   * Warns before {@code exp}, then closes with 4003 at {@code exp + grace} unless a refresh
   * arrived.
   */
  void scheduleTokenExpiry(Session session) {
    if (session.tokenTimer() >= 0) {
      edge.vertx.cancelTimer(session.tokenTimer());
      session.tokenTimerEnded();
    }
    Instant expiresAt = session.token().expiresAt();
    if (expiresAt == null) {
      return;
    }
    Instant refreshBy = expiresAt.plus(edge.options.auth().refreshGrace());
    long warnIn =
        expiresAt.minus(edge.options.auth().refreshWindow()).toEpochMilli()
            - System.currentTimeMillis();
    session.tokenTimerStarted(
        edge.vertx.setTimer(
            Math.max(1, warnIn),
            t -> {
              if (!session.isOpen()) {
                return;
              }
              edge.outbound.send(session, Frames.tokenExpiring(expiresAt, refreshBy));
              long closeIn = refreshBy.toEpochMilli() - System.currentTimeMillis();
              session.tokenTimerStarted(
                  edge.vertx.setTimer(
                      Math.max(1, closeIn),
                      t2 -> {
                        session.tokenTimerEnded();
                        if (session.isOpen()) {
                          edge.lifecycle.close(
                              session,
                              new Disconnect(
                                  CloseCodes.TOKEN_EXPIRED,
                                  CloseReason.TOKEN_EXPIRED,
                                  "token expired and was not refreshed"));
                        }
                      }));
            }));
  }

  private Reply abuseReply(Session session, String id, String code, String message, long now) {
    Reply reply = error(id, statusOf(code), code, message);
    if (session.strike(now) >= edge.options.limits().abuseStrikes()) {
      edge.lifecycle.close(
          session,
          Disconnect.policy(
              CloseCodes.POLICY_VIOLATION,
              "too many bad frames: " + edge.options.limits().abuseStrikes() + " within 10 s"));
    }
    return reply;
  }

  private void abuse(Session session, String id, String code, String message, long now) {
    Reply reply = abuseReply(session, id, code, message, now);
    edge.outbound.send(session, reply.frame());
  }

  private Reply error(String id, int status, String code, String message) {
    edge.metrics.errorFrames.increment();
    return new Reply(status, Frames.error(id, code, message));
  }

  private static int statusOf(String code) {
    return switch (code) {
      case "rate-limited" -> 429;
      case "forbidden" -> 403;
      case "too-large" -> 413;
      default -> 400;
    };
  }

  private static Optional<String> requireId(String id) {
    return id == null ? Optional.of("id is required") : Optional.empty();
  }

  private static Optional<String> channelProblem(JsonNode frame) {
    JsonNode channel = frame.get("channel");
    if (channel == null || channel.isNull()) {
      return Optional.of("channel is required");
    }
    if (!channel.isTextual()) {
      return Optional.of("channel must be a string");
    }
    return ClientIds.checkChannel(channel.asText());
  }

  private static String code(String problem) {
    return problem.endsWith("is required") ? "missing-field" : "invalid-field";
  }

  private static Position position(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonNode epoch = node.get("epoch");
    JsonNode seq = node.get("seq");
    if (!node.isObject()
        || epoch == null
        || !epoch.isTextual()
        || seq == null
        || !seq.isIntegralNumber()) {
      throw new IllegalArgumentException("position must be {epoch: string, seq: integer >= 0}");
    }
    return new Position(epoch.asText(), seq.asLong());
  }
}
