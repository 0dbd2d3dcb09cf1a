package dev.mesh.common.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed client of replay-service over the event bus. Every call has a timeout; failures are {@link
 * io.vertx.core.eventbus.ReplyException}s with a code from {@link dev.mesh.common.bus.ErrorCodes}
 * (or Vert.x's TIMEOUT / NO_HANDLERS, both retryable). A publish is safe to retry with the same
 * message id.
 */
public final class ReplayClient {

  /**
   * Prefix of a user's private stream: direct messages to a user are appended to {@code
   * user:<userId>}. A user's own publishes carry the publisher {@code user:<userId>} too, so no
   * service may publish under this prefix.
   */
  public static final String USER_CHANNEL_PREFIX = "user:";

  private final BusClient bus;
  private final Duration timeout;

  public ReplayClient(Vertx vertx) {
    this(vertx, BusClient.DEFAULT_TIMEOUT);
  }

  public ReplayClient(Vertx vertx, Duration timeout) {
    this.bus = new BusClient(vertx);
    this.timeout = timeout;
  }

  /** The channel of a user's private stream. */
  public static String userChannel(String userId) {
    return USER_CHANNEL_PREFIX + userId;
  }

  /** Whether a channel is a user's private stream. */
  public static boolean isUserChannel(String channel) {
    return channel.startsWith(USER_CHANNEL_PREFIX);
  }

  /**
   * The publisher of a user's own publish: part of the dedupe key {@code (channel, publisher, id)}
   * (docs/PROTOCOL.md §3.2).
   */
  public static String userPublisher(String userId) {
    return USER_CHANNEL_PREFIX + userId;
  }

  /**
   * Appends an event to a channel's history and publishes it on {@link Addresses#channel(String)}.
   */
  public Future<PublishResult> publish(PublishRequest request) {
    return bus.request(Addresses.PUBLISH, request, PublishResult.class, timeout);
  }

  public Future<PublishResult> publish(String channel, String id, JsonNode data, boolean critical) {
    return publish(new PublishRequest(channel, id, data, critical));
  }

  /**
   * A direct message to a user: appended to the user's private stream, so it is replayed when they
   * resume.
   */
  public Future<PublishResult> sendToUser(
      String userId, String id, JsonNode data, boolean critical) {
    return publish(new PublishRequest(userChannel(userId), id, data, critical));
  }

  /**
   * One page of events after {@code after} (null: from the oldest retained); {@code limit} null:
   * the maximum.
   */
  public Future<HistoryPage> history(String channel, Position after, Integer limit) {
    return history(new HistoryRequest(channel, after, limit));
  }

  public Future<HistoryPage> history(HistoryRequest request) {
    return bus.request(Addresses.HISTORY, request, HistoryPage.class, timeout);
  }

  /**
   * Every event after {@code after}, following pages until the head seen by the first page, as one
   * page (at most {@code maxEvents}; {@code more} is true if that bound stopped it). A reset on any
   * page is returned as is: the caller never gets a partial replay. This is what a subscriber uses
   * to fill a gap or to catch up on resume.
   */
  public Future<HistoryPage> historySince(String channel, Position after, int maxEvents) {
    return collect(channel, after, maxEvents, new ArrayList<>(), -1);
  }

  private Future<HistoryPage> collect(
      String channel, Position after, int maxEvents, List<Envelope> events, long firstHead) {
    int remaining = maxEvents - events.size();
    return history(channel, after, remaining)
        .compose(
            page -> {
              if (page.mustReset()) {
                return Future.succeededFuture(page);
              }
              events.addAll(page.events());
              long head = firstHead < 0 ? page.head() : firstHead;
              boolean more = page.more() && page.next().seq() < head;
              if (more && events.size() < maxEvents) {
                return collect(channel, page.next(), maxEvents, events, head);
              }
              return Future.succeededFuture(
                  new HistoryPage(
                      channel, page.epoch(), page.head(), events, page.more(), null, page.next()));
            });
  }

  /**
   * Cumulative ack: every critical event of the channel up to {@code upTo} is acknowledged by the
   * user. Fails with 409 when {@code upTo}'s epoch is not the channel's current one, 400 when it is
   * beyond the head.
   */
  public Future<AckResult> ack(String userId, String channel, Position upTo) {
    return bus.request(
        Addresses.ACK,
        new AckRequest(userId, channel, upTo.epoch(), upTo.seq(), false),
        AckResult.class,
        timeout);
  }

  /**
   * Opens the user's ack cursor for the channel at {@code at} unless they already have one in that
   * epoch: on a user's first subscription to an ordinary channel, so that critical events from
   * before it are never owed to them. The reply is the cursor as stored (an existing one is kept).
   */
  public Future<AckResult> openAcks(String userId, String channel, Position at) {
    return bus.request(
        Addresses.ACK,
        new AckRequest(userId, channel, at.epoch(), at.seq(), true),
        AckResult.class,
        timeout);
  }

  /**
   * The user's unacknowledged critical events of the channel still in its history, after {@code
   * after} if given.
   */
  public Future<PendingCritical> pendingCritical(
      String userId, String channel, Position after, Integer limit) {
    return bus.request(
        Addresses.PENDING_CRITICAL,
        new PendingCriticalRequest(userId, channel, after, limit),
        PendingCritical.class,
        timeout);
  }

  /**
   * For the users of pages resuming {@code channel} together: opens each one's ack cursor at its
   * position when {@code open} (as {@link #openAcks}), then returns each one's unacknowledged
   * critical events (as {@link #pendingCritical} without {@code after}), at most {@code limit}
   * each, each distinct event once and all of them within {@link ResumeAcks#MAX_EVENTS_BYTES}
   * ({@link ResumeAcks#pendingOf}, {@link ResumeAcks#cutShort}).
   */
  public Future<ResumeAcks> resumeAcks(
      String channel, List<ResumeAcksRequest.User> users, boolean open, Integer limit) {
    return bus.request(
        Addresses.RESUME_ACKS,
        new ResumeAcksRequest(channel, users, open, limit),
        ResumeAcks.class,
        timeout);
  }
}
