package dev.mesh.connection.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.ChannelAuthorizer;
import dev.mesh.connection.frames.ClientFrame;
import dev.mesh.connection.frames.DecodeError;
import dev.mesh.connection.frames.Decoded;
import dev.mesh.connection.frames.ErrorCode;
import dev.mesh.connection.frames.FrameDecoder;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;

/**
 * Inbound client frames (docs/PROTOCOL.md §3.2, §3.4), decoded by {@link FrameDecoder} and acted on
 * here. A bad frame gets an {@code error} naming the problem and the client's request id, and
 * nothing else happens; abuse errors add up, and the threshold closes the connection with 4502.
 * Frames from a connection that is no longer open (replaced, closing) are ignored without reply.
 */
public final class FrameHandler {

  /** The direct reply to a frame, for SSE {@code POST}s (WebSocket replies go on the socket). */
  public record Reply(int status, String frame) {
    static final Reply NONE = new Reply(204, null);
  }

  private final EdgeOptions options;
  private final Vertx vertx;
  private final ConnectionMetrics metrics;
  private final ChannelAuthorizer authorizer;
  private final Authenticator authenticator;
  private final ChannelLog log;
  private final PresenceClient presence;
  private final Outbound outbound;
  private final Subscriptions subscriptions;
  private final Lifecycle lifecycle;

  /** {@code authenticator} checks refreshed tokens. */
  FrameHandler(
      EdgeOptions options,
      Vertx vertx,
      ConnectionMetrics metrics,
      ChannelAuthorizer authorizer,
      Authenticator authenticator,
      ChannelLog log,
      PresenceClient presence,
      Outbound outbound,
      Subscriptions subscriptions,
      Lifecycle lifecycle) {
    this.options = options;
    this.vertx = vertx;
    this.metrics = metrics;
    this.authorizer = authorizer;
    this.authenticator = authenticator;
    this.log = log;
    this.presence = presence;
    this.outbound = outbound;
    this.subscriptions = subscriptions;
    this.lifecycle = lifecycle;
  }

  /** A text frame from the socket. */
  public void onText(Session session, String text) {
    long now = System.nanoTime();
    session.seen(now);
    if (!session.isOpen()) {
      return;
    }
    metrics.messagesIn.increment();
    metrics.bytesIn.increment(text.length());
    JsonNode frame;
    try {
      frame = FrameDecoder.parse(text);
    } catch (FrameDecoder.UnreadableFrame e) {
      abuse(session, e.error(), now);
      return;
    }
    handle(session, frame, now)
        .onSuccess(
            reply -> {
              if (reply.frame() != null) {
                outbound.send(session, reply.frame());
              }
            });
  }

  /** A binary frame: not part of the protocol. */
  public void onBinary(Session session) {
    long now = System.nanoTime();
    session.seen(now);
    if (session.isOpen()) {
      metrics.messagesIn.increment();
      abuse(
          session,
          null,
          ErrorCode.UNSUPPORTED_FRAME,
          "binary frames are not supported: send JSON text frames",
          now);
    }
  }

  /**
   * Handles one parsed frame and returns its direct reply. Errors are returned as replies too (and
   * counted); the WebSocket path writes the reply to the socket, the SSE path returns it in the
   * HTTP response.
   */
  public Future<Reply> handle(Session session, JsonNode json, long now) {
    if (!session.takeRate(now)) {
      // Dropped, with a hint; a strike only past the window's allowance (a flood, not a client
      // retrying a little too fast, e.g. while a service it depends on is down).
      metrics.rateLimited.increment();
      long retryAfterMs = session.rateRetryAfterMs(now);
      metrics.errorFrames.increment();
      String message =
          "more than "
              + options.limits().ratePerSecond()
              + " frames per second: frame dropped, retry after "
              + retryAfterMs
              + " ms";
      Reply reply =
          new Reply(
              ErrorCode.RATE_LIMITED.status(),
              Frames.error(
                  FrameDecoder.sentId(json), ErrorCode.RATE_LIMITED, message, retryAfterMs));
      return Future.succeededFuture(
          session.rateDropIsStrike(now) ? strike(session, reply, now) : reply);
    }
    // A switch over the sealed type once the build is on Java 21.
    Decoded decoded = FrameDecoder.decode(json);
    if (decoded instanceof DecodeError error) {
      return Future.succeededFuture(abuseReply(session, error, now));
    }
    if (decoded instanceof ClientFrame.Ping ping) {
      return Future.succeededFuture(new Reply(200, Frames.pong(ping.id())));
    }
    if (decoded instanceof ClientFrame.Subscribe subscribe) {
      return subscribe(session, subscribe, now);
    }
    if (decoded instanceof ClientFrame.Unsubscribe unsubscribe) {
      return unsubscribe(session, unsubscribe);
    }
    if (decoded instanceof ClientFrame.Publish publish) {
      return publish(session, publish);
    }
    if (decoded instanceof ClientFrame.Ack ack) {
      return Future.succeededFuture(ack(session, ack, now));
    }
    if (decoded instanceof ClientFrame.Refresh refresh) {
      return refresh(session, refresh);
    }
    if (decoded instanceof ClientFrame.Close) {
      lifecycle.closeWithoutGoodbye(session, Disconnect.clientClosed());
      return Future.succeededFuture(Reply.NONE);
    }
    throw new IllegalStateException("no handling for " + decoded);
  }

  private Future<Reply> subscribe(Session session, ClientFrame.Subscribe frame, long now) {
    String id = frame.id();
    String channel = frame.channel();
    Subscription existing = session.subscription(channel);
    if (existing != null) {
      ObjectNode subscribed = Frames.frame("subscribed").put("id", id).put("channel", channel);
      if (existing.epoch() != null) {
        subscribed.set(
            "position", Frames.position(new Position(existing.epoch(), existing.lastSeq())));
      }
      return Future.succeededFuture(new Reply(200, Frames.text(subscribed)));
    }
    if (session.subscriptionCount() >= options.limits().maxSubscriptions()) {
      return Future.succeededFuture(
          error(
              id,
              ErrorCode.TOO_MANY_SUBSCRIPTIONS,
              "at most " + options.limits().maxSubscriptions() + " subscriptions per connection"));
    }
    if (frame.badInfo() != null) {
      return Future.succeededFuture(abuseReply(session, frame.badInfo(), now));
    }
    return authorizer
        .check(AuthorizeRequest.SUBSCRIBE, channel, session.identity(), session.token().claims())
        .compose(
            decision -> {
              if (!session.isOpen()) {
                return Future.succeededFuture(Reply.NONE);
              }
              if (!decision.allowed()) {
                return Future.succeededFuture(refused(session, id, decision));
              }
              if (session.isSubscribed(channel)) {
                return Future.succeededFuture(Reply.NONE);
              }
              // subscribed/reset/events go on the stream in order; the SSE POST only gets an empty
              // 204 for them.
              subscriptions.subscribe(
                  session, id, channel, frame.from(), frame.presence(), frame.info());
              return Future.succeededFuture(Reply.NONE);
            });
  }

  /**
   * A channel named in an SSE URL or resume token: the same checks as a subscribe frame; errors go
   * on the stream.
   */
  public void subscribeFromUrl(Session session, String channel, Position from, boolean presence) {
    if (session.subscriptionCount() >= options.limits().maxSubscriptions()) {
      outbound.send(
          session, error(null, ErrorCode.TOO_MANY_SUBSCRIPTIONS, "too many channels").frame());
      return;
    }
    authorizer
        .check(AuthorizeRequest.SUBSCRIBE, channel, session.identity(), session.token().claims())
        .onSuccess(
            decision -> {
              if (!session.isOpen() || session.isSubscribed(channel)) {
                return;
              }
              if (decision.allowed()) {
                subscriptions.subscribe(session, null, channel, from, presence, null);
              } else {
                ErrorCode code =
                    decision.unavailable() ? ErrorCode.UNAVAILABLE : ErrorCode.FORBIDDEN;
                ObjectNode error =
                    Frames.frame("error")
                        .put("code", code.wireName())
                        .put("message", decision.reason())
                        .put("channel", channel);
                outbound.send(session, Frames.text(error));
              }
            });
  }

  private Future<Reply> unsubscribe(Session session, ClientFrame.Unsubscribe frame) {
    String id = frame.id();
    String channel = frame.channel();
    Subscription subscription = session.subscription(channel);
    if (!subscriptions.detach(session, channel)) {
      return Future.succeededFuture(
          error(id, ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + channel));
    }
    if (subscription.presence()) {
      presence.leave(session.identity(), channel);
    }
    String unsubscribed =
        Frames.text(Frames.frame("unsubscribed").put("id", id).put("channel", channel));
    if (session.transport().kind() == Transport.SSE) {
      // On the stream too, so its id: stops naming the channel and a native reconnect does not
      // resubscribe it.
      outbound.send(session, unsubscribed);
    }
    return Future.succeededFuture(new Reply(200, unsubscribed));
  }

  private Future<Reply> publish(Session session, ClientFrame.Publish frame) {
    String id = frame.id();
    String channel = frame.channel();
    return authorizer
        .check(AuthorizeRequest.PUBLISH, channel, session.identity(), session.token().claims())
        .compose(
            decision -> {
              if (!decision.allowed()) {
                return Future.succeededFuture(refused(session, id, decision));
              }
              return log.publish(
                      channel,
                      id,
                      frame.data(),
                      frame.critical(),
                      ReplayClient.userPublisher(session.userId()),
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
   * An authorisation refusal: {@code unavailable} when the authoriser did not answer, else a {@code
   * forbidden} strike.
   */
  private Reply refused(Session session, String id, ChannelAuthorizer.Decision decision) {
    return decision.unavailable()
        ? error(id, ErrorCode.UNAVAILABLE, decision.reason())
        : abuseReply(session, id, ErrorCode.FORBIDDEN, decision.reason(), System.nanoTime());
  }

  /**
   * Replay's 400/413 are final for this frame; anything else (timeout, no handlers, 503) is worth a
   * retry.
   */
  private Reply publishFailure(String id, Throwable e) {
    int code = e instanceof io.vertx.core.eventbus.ReplyException reply ? reply.failureCode() : -1;
    if (code == dev.mesh.common.bus.ErrorCodes.TOO_LARGE) {
      return error(id, ErrorCode.TOO_LARGE, e.getMessage());
    }
    if (code == dev.mesh.common.bus.ErrorCodes.BAD_REQUEST) {
      return error(id, ErrorCode.INVALID_FIELD, e.getMessage());
    }
    if (code == dev.mesh.common.bus.ErrorCodes.LIMIT_REACHED) {
      return error(id, ErrorCode.TOO_MANY_CHANNELS, e.getMessage());
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
    return error(
        id, ErrorCode.UNAVAILABLE, "publish failed: " + cause + "; retry with the same id");
  }

  private Reply ack(Session session, ClientFrame.Ack frame, long now) {
    String channel = frame.channel();
    Subscription subscription = session.subscription(channel);
    if (subscription == null) {
      return error(null, ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + channel);
    }
    if (subscription.epoch() == null || frame.seq() > subscription.lastSeq()) {
      return abuseReply(
          session, null, ErrorCode.INVALID_FIELD, "ack beyond the last event delivered", now);
    }
    log.ack(session.userId(), channel, subscription.epoch(), frame.seq());
    return Reply.NONE;
  }

  private Future<Reply> refresh(Session session, ClientFrame.Refresh frame) {
    return authenticator
        .verify(frame.token())
        .compose(
            verified ->
                verified.userId().equals(session.userId())
                    ? Future.succeededFuture(verified)
                    : Future.failedFuture("token is for another user"))
        .map(
            verified -> {
              session.tokenRefreshed(verified);
              scheduleTokenExpiry(session);
              return new Reply(200, Frames.refreshed(frame.id(), verified.expiresAt()));
            })
        .otherwise(
            e -> {
              lifecycle.close(
                  session,
                  Disconnect.policy(CloseCode.UNAUTHORIZED, "refresh refused: " + e.getMessage()));
              return Reply.NONE;
            });
  }

  /**
   * Warns before {@code exp}, then closes with 4003 at {@code exp + grace} unless a refresh
   * arrived.
   */
  void scheduleTokenExpiry(Session session) {
    if (session.tokenTimer() >= 0) {
      vertx.cancelTimer(session.tokenTimer());
      session.tokenTimerEnded();
    }
    Instant expiresAt = session.token().expiresAt();
    if (expiresAt == null) {
      return;
    }
    Instant refreshBy = expiresAt.plus(options.auth().refreshGrace());
    long warnIn =
        expiresAt.minus(options.auth().refreshWindow()).toEpochMilli() - System.currentTimeMillis();
    session.tokenTimerStarted(
        vertx.setTimer(
            Math.max(1, warnIn),
            t -> {
              if (!session.isOpen()) {
                return;
              }
              outbound.send(session, Frames.tokenExpiring(expiresAt, refreshBy));
              long closeIn = refreshBy.toEpochMilli() - System.currentTimeMillis();
              session.tokenTimerStarted(
                  vertx.setTimer(
                      Math.max(1, closeIn),
                      t2 -> {
                        session.tokenTimerEnded();
                        if (session.isOpen()) {
                          lifecycle.close(
                              session,
                              new Disconnect(
                                  CloseCode.TOKEN_EXPIRED,
                                  CloseReason.TOKEN_EXPIRED,
                                  "token expired and was not refreshed"));
                        }
                      }));
            }));
  }

  /** The error answering a bad frame, counted as a strike; the strike limit closes with 4502. */
  private Reply abuseReply(Session session, String id, ErrorCode code, String message, long now) {
    return strike(session, error(id, code, message), now);
  }

  /** Counts an abuse strike; the one that reaches the limit closes the connection (4502). */
  private Reply strike(Session session, Reply reply, long now) {
    if (session.strike(now) >= options.limits().abuseStrikes()) {
      lifecycle.close(
          session,
          Disconnect.policy(
              CloseCode.POLICY_VIOLATION,
              "too many bad frames: " + options.limits().abuseStrikes() + " within 10 s"));
    }
    return reply;
  }

  /** A frame the decoder refused: every decode error is a strike. */
  private Reply abuseReply(Session session, DecodeError problem, long now) {
    return abuseReply(session, problem.id(), problem.code(), problem.message(), now);
  }

  private void abuse(Session session, String id, ErrorCode code, String message, long now) {
    outbound.send(session, abuseReply(session, id, code, message, now).frame());
  }

  private void abuse(Session session, DecodeError problem, long now) {
    abuse(session, problem.id(), problem.code(), problem.message(), now);
  }

  private Reply error(String id, ErrorCode code, String message) {
    metrics.errorFrames.increment();
    return new Reply(code.status(), Frames.error(id, code, message));
  }
}
