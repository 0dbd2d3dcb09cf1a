package dev.mesh.connection.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.Json;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.connection.frames.ErrorCode;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.SessionIndex;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscriptions and the resume merge of docs/PROTOCOL.md §6.2: listen to the channel first and
 * buffer, fetch history from the client's position page by page, then drain the buffer in seq
 * order; on the live path duplicates are dropped and a jump in seq fetches the missing range first.
 * Each event reaches a page once, in order, or the page is told plainly to reset.
 */
public final class Subscriptions {

  private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

  /** Members listed in a {@code subscribed.presence} snapshot (the count covers all). */
  static final int SNAPSHOT_MEMBERS = 100;

  /** How long after a registration change the tail of channels is read again. */
  static final long CATCH_UP_DELAY_MS = 1_000;

  /** Live events one subscription may hold while its history is fetched. */
  static final int MAX_BUFFERED = 10_000;

  private final Vertx vertx;
  private final ChannelSubscribers hub;
  private final SessionIndex sessions;
  private final ChannelLog log;
  private final PresenceClient presence;
  private final Outbound outbound;
  private final Lifecycle lifecycle;
  private final ConnectionMetrics metrics;

  /**
   * Enough for the history pages of a mass resume of a few busy channels; about 1-2 MB of frames.
   */
  private final EventFrames frames = new EventFrames(8192);

  /**
   * Created on the loop's {@code context}; makes the loop's subscribers per channel with {@code
   * channelSubscribers}, which hand their live events to {@link #fanOut}.
   */
  Subscriptions(
      Vertx vertx,
      Context context,
      ChannelSubscribers.Factory channelSubscribers,
      SessionIndex sessions,
      ChannelLog log,
      PresenceClient presence,
      Outbound outbound,
      Lifecycle lifecycle,
      ConnectionMetrics metrics) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.log = log;
    this.presence = presence;
    this.outbound = outbound;
    this.lifecycle = lifecycle;
    this.metrics = metrics;
    this.hub = channelSubscribers.create(context, this::fanOut);
  }

  /** The loop's subscribers per channel. */
  ChannelSubscribers hub() {
    return hub;
  }

  static boolean isUserChannel(String channel) {
    return ReplayClient.isUserChannel(channel);
  }

  /**
   * Subscribes (authorisation and limits already checked); replies {@code subscribed} or an error.
   */
  public Future<Void> subscribe(
      Session session,
      String requestId,
      String channel,
      Position from,
      boolean presence,
      JsonNode info) {
    long startedNanos = System.nanoTime();
    Subscription subscription = new Subscription(session, channel, presence);
    subscription.startBuffering();
    Subscription replaced = session.addSubscription(subscription);
    boolean newOnNode = !isUserChannel(channel) && !hub.listens(channel);
    Future<Void> listening =
        isUserChannel(channel) ? Future.succeededFuture() : hub.add(subscription);
    if (replaced != null && !isUserChannel(channel)) {
      // After the add, so the channel is not left and joined again in between.
      hub.remove(replaced);
    }
    if (newOnNode) {
      // Other nodes learn of this node's consumer asynchronously: read the tail once that has
      // surely happened.
      vertx.setTimer(CATCH_UP_DELAY_MS, t -> catchUp(channel));
    }
    Future<ObjectNode> snapshot =
        presence ? joinPresence(subscription, info) : Future.succeededFuture(null);
    return listening
        .compose(v -> snapshot)
        .compose(v -> log.history(channel, from, ChannelLog.PAGE, session.userId()))
        .compose(
            page -> {
              if (!current(session, subscription)) {
                return Future.succeededFuture();
              }
              Position start;
              if (page.reset() != null) {
                start = new Position(page.epoch(), page.head());
                outbound.send(session, Frames.reset(channel, page.reset(), start));
              } else {
                start = from == null ? new Position(page.epoch(), page.head()) : from;
              }
              subscription.position(start.epoch(), start.seq());
              ObjectNode subscribed = Frames.frame("subscribed").put("channel", channel);
              if (requestId != null) {
                subscribed.put("id", requestId);
              }
              subscribed.set("position", Frames.position(start));
              if (snapshot.result() != null) {
                subscribed.set("presence", snapshot.result());
              }
              outbound.send(session, Frames.text(subscribed));
              metrics.subscribeLatency.record(
                  System.nanoTime() - startedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
              // Critical events not yet acknowledged by this user, before the replay (PROTOCOL
              // §6.5), then the replay:
              // the whole page goes out in one write.
              Replay replay = new Replay(session, subscription);
              page.redeliver().forEach(replay);
              if (page.reset() == null && from != null) {
                subscription.deliverHistory(page.events(), replay);
                if (page.more()) {
                  replay.send();
                  return fetchRange(session, subscription);
                }
              }
              boolean drained = subscription.drainContiguous(replay);
              replay.send();
              if (!drained) {
                fetchRange(session, subscription);
              }
              return Future.<Void>succeededFuture();
            })
        .onFailure(
            e -> {
              if (current(session, subscription)) {
                detach(session, channel);
                outbound.error(
                    session,
                    requestId,
                    ErrorCode.UNAVAILABLE,
                    "history unavailable for "
                        + channel
                        + ": "
                        + e.getMessage()
                        + "; retry the subscribe");
              }
            });
  }

  /**
   * Joins the channel's presence; the reply becomes {@code subscribed.presence}. When
   * presence-service does not answer the subscription still works, reported as {@code joined:
   * false, unavailable: true}.
   */
  private Future<ObjectNode> joinPresence(Subscription subscription, JsonNode requested) {
    Session session = subscription.session();
    JsonNode info = mergeInfo(requested, session.token().claims().getValue("info"));
    return presence
        .join(session.identity(), subscription.channel(), info, SNAPSHOT_MEMBERS)
        .map(
            members -> {
              // A change the snapshot already reflects may still be on its way to this loop (it
              // crosses the node's presence router): no frame for it.
              subscription.presenceFloor(members.version());
              ObjectNode snapshot =
                  Json.MAPPER
                      .createObjectNode()
                      .put("joined", !Boolean.FALSE.equals(members.joined()))
                      .put("count", members.count())
                      .put("truncated", members.truncated());
              ArrayNode list = snapshot.putArray("members");
              for (ChannelMembers.Member member : members.members()) {
                ObjectNode item =
                    list.addObject()
                        .put("userId", member.userId())
                        .put("state", member.state().wireName());
                if (member.info() != null) {
                  item.set("info", member.info());
                }
              }
              return snapshot;
            })
        .otherwise(
            e ->
                Json.MAPPER
                    .createObjectNode()
                    .put("joined", false)
                    .put("count", 0)
                    .put("truncated", false)
                    .put("unavailable", true));
  }

  /** The subscribe's info with the token's {@code info} claim merged over it (the token wins). */
  private static JsonNode mergeInfo(JsonNode requested, Object claim) {
    ObjectNode merged = Json.MAPPER.createObjectNode();
    if (requested != null && requested.isObject()) {
      merged.setAll((ObjectNode) requested);
    }
    if (claim instanceof io.vertx.core.json.JsonObject fromToken) {
      merged.setAll((ObjectNode) Json.MAPPER.valueToTree(fromToken.getMap()));
    }
    return merged.isEmpty() ? null : merged;
  }

  /**
   * Removes a subscription and stops listening to the channel when this was the node's last
   * subscriber.
   */
  public boolean detach(Session session, String channel) {
    Subscription removed = session.removeSubscription(channel);
    if (removed != null && !isUserChannel(channel)) {
      hub.remove(removed);
    }
    return removed != null;
  }

  /**
   * A live event of a channel for this node's subscribers: serialised once, merged per
   * subscription.
   */
  public void fanOut(Envelope event, List<Subscription> subscribers) {
    String frame = frames.of(event);
    metrics.broadcastFanout.record(subscribers.size());
    for (Subscription subscription : subscribers) {
      offer(subscription, event, frame);
    }
  }

  /** Direct messages ({@code user:} channels) from the node inbox. */
  public void deliverDirect(Envelope event, List<String> connectionIds) {
    String frame = frames.of(event);
    for (String connectionId : connectionIds) {
      Session session = sessions.get(connectionId);
      Subscription subscription = session == null ? null : session.subscription(event.channel());
      if (subscription != null) {
        offer(subscription, event, frame);
      }
    }
  }

  /** Same epoch and seq of one channel: the same event, whose frame is already encoded. */
  private static boolean samePosition(Envelope a, Envelope b) {
    return a.seq() == b.seq() && Objects.equals(a.epoch(), b.epoch());
  }

  private void offer(Subscription subscription, Envelope event, String frame) {
    Session session = subscription.session();
    // A snapshot may hold one that ended meanwhile (unsubscribed, replaced, or its session closed
    // by an earlier delivery): it gets nothing more.
    if (!current(session, subscription)) {
      return;
    }
    if (subscription.hasLeft(event.epoch())) {
      // An event of a history this page was already reset away from (in flight, or read by a
      // catch-up before the
      // reset): resetting back to it would deliver that epoch's events twice.
      return;
    }
    if (!subscription.isBuffering()
        && subscription.epoch() != null
        && !subscription.epoch().equals(event.epoch())
        && !subscription.isUnborn()) {
      Position restart = new Position(event.epoch(), Math.max(0, event.seq() - 1));
      outbound.send(session, Frames.reset(event.channel(), "epoch-changed", restart));
      subscription.position(restart.epoch(), restart.seq());
    }
    Consumer<Envelope> deliver =
        e ->
            outbound.event(session, subscription, e, samePosition(e, event) ? frame : frames.of(e));
    if (subscription.offerLive(event, deliver)) {
      fetchRange(session, subscription);
    } else if (subscription.bufferedCount() > MAX_BUFFERED) {
      // History is not coming fast enough to merge: the client resumes from its position after
      // reconnecting.
      lifecycle.closeWithoutGoodbye(
          session, Disconnect.slowConsumer("too many events buffered during a history fetch"));
    }
  }

  /**
   * Retries of a failed gap fill, 100 ms doubling to 2 s: about 10 s, longer than a replay-service
   * failover.
   */
  private static final int GAP_FILL_ATTEMPTS = 8;

  /** Fetches history after the subscription's last seq (it is buffering live events meanwhile). */
  private Future<Void> fetchRange(Session session, Subscription subscription) {
    return fetchRange(session, subscription, 1);
  }

  private Future<Void> fetchRange(Session session, Subscription subscription, int attempt) {
    Position after = new Position(subscription.epoch(), subscription.lastSeq());
    long before = subscription.lastSeq();
    return log.history(subscription.channel(), after, ChannelLog.PAGE, null)
        .compose(
            page -> {
              if (!current(session, subscription)) {
                return Future.<Void>succeededFuture();
              }
              if (page.reset() != null) {
                Position head = new Position(page.epoch(), page.head());
                outbound.send(session, Frames.reset(subscription.channel(), page.reset(), head));
                subscription.position(head.epoch(), head.seq());
              }
              Replay replay = new Replay(session, subscription);
              if (page.reset() == null) {
                subscription.deliverHistory(page.events(), replay);
                if (page.more()) {
                  replay.send();
                  return fetchRange(session, subscription, 1);
                }
              }
              boolean drained = subscription.drainContiguous(replay);
              replay.send();
              if (!drained) {
                if (page.reset() != null || subscription.lastSeq() > before) {
                  fetchRange(session, subscription, 1);
                } else {
                  // History does not have the hole yet (the read reached a replica behind the live
                  // event): ask again.
                  retryLater(session, subscription, attempt, "history behind the live events");
                }
              }
              return Future.<Void>succeededFuture();
            })
        .onFailure(e -> retryLater(session, subscription, attempt, e.getMessage()));
  }

  private void retryLater(Session session, Subscription subscription, int attempt, String cause) {
    try (var ignored =
        LogContext.connection(session.userId(), session.id(), subscription.channel())) {
      LOG.warn(
          "event=gap-fill-failed channel={} connection={} attempt={} cause=\"{}\"",
          subscription.channel(),
          session.id(),
          attempt,
          cause);
    }
    if (!current(session, subscription)) {
      return;
    }
    if (attempt < GAP_FILL_ATTEMPTS) {
      // Keep buffering and ask again: a replay-service instance that died is replaced within
      // seconds, and
      // delivering past the hole would break the exactly-once, in-order guarantee without a reset.
      vertx.setTimer(
          Math.min(2000, 100L << (attempt - 1)),
          t -> {
            if (current(session, subscription)) {
              fetchRange(session, subscription, attempt + 1);
            }
          });
    } else {
      // Deliver what we have rather than stall for ever; the client sees the seq jump and can
      // resubscribe.
      Replay replay = new Replay(session, subscription);
      subscription.drainBuffer(replay);
      replay.send();
    }
  }

  /**
   * Largest {@code events} frame, in characters of items: within any client's message limit (a
   * Vert.x client's default is 256 KiB) even for multi-byte text; a page of small events fits in
   * one frame.
   */
  static final int MAX_BATCH_CHARS = 64 * 1024;

  /**
   * Replayed events of one subscription (redelivered critical events, history pages, the live
   * events buffered during the fetch), collected as the merge accepts them and written together by
   * {@link #send()}: one {@code events} frame per run of one epoch (PROTOCOL 6.2 history batches),
   * split only past {@link #MAX_BATCH_CHARS}, so a page of history costs one write and one flush
   * instead of one per event. Asked for explicitly, so never dropped for a slow reader.
   */
  private final class Replay implements Consumer<Envelope> {

    private final Session session;
    private final Subscription subscription;
    private final List<Envelope> events = new java.util.ArrayList<>();

    Replay(Session session, Subscription subscription) {
      this.session = session;
      this.subscription = subscription;
    }

    @Override
    public void accept(Envelope event) {
      events.add(event);
    }

    /** Writes what was collected, in order, and starts empty again. */
    void send() {
      int start = 0;
      while (start < events.size()) {
        String epoch = events.get(start).epoch();
        List<String> items = new java.util.ArrayList<>();
        int chars = 0;
        int end = start;
        while (end < events.size() && events.get(end).epoch().equals(epoch)) {
          String item = frames.item(events.get(end));
          if (!items.isEmpty() && chars + item.length() > MAX_BATCH_CHARS) {
            break;
          }
          items.add(item);
          chars += item.length();
          end++;
        }
        List<Envelope> batch = events.subList(start, end);
        if (batch.size() == 1) {
          outbound.event(session, subscription, batch.get(0), frames.of(batch.get(0)), false);
        } else {
          outbound.events(
              session,
              subscription,
              List.copyOf(batch),
              Frames.events(subscription.channel(), epoch, items));
        }
        start = end;
      }
      events.clear();
    }
  }

  /**
   * Catches a channel up from history: the clustered event bus can miss a publish while its view of
   * the registrations changes (a member joined or left, or this node's consumer is still
   * propagating). A missed event in the middle of a stream is found by the next one's seq; a missed
   * last event would stay missing until the next publish. So after such changes each channel is
   * read from the lowest position its local subscribers have, and what they lack is offered to them
   * like a live event (duplicates are dropped per subscription).
   */
  public void catchUp(String channel) {
    Position lowest = null;
    for (Subscription subscription : hub.subscribers(channel)) {
      if (subscription.epoch() == null || subscription.isBuffering()) {
        continue;
      }
      if (lowest == null
          || (lowest.epoch().equals(subscription.epoch())
              && subscription.lastSeq() < lowest.seq())) {
        lowest = new Position(subscription.epoch(), subscription.lastSeq());
      }
    }
    if (lowest == null) {
      return;
    }
    log.history(channel, lowest, ChannelLog.PAGE, null)
        .onSuccess(
            page -> {
              if (page.reset() != null) {
                // The history this node's subscribers follow is gone (a new epoch after a lost
                // partition or a diverged
                // merge) or has moved past them: each one is told, never left waiting for events
                // that will not come.
                resetBehind(channel);
                return;
              }
              if (!page.events().isEmpty()) {
                for (Envelope event : page.events()) {
                  fanOut(event, List.copyOf(hub.subscribers(channel)));
                }
                if (page.more()) {
                  catchUp(channel);
                }
              }
            })
        .onFailure(e -> logCatchUpFailed(channel, e));
  }

  private static void logCatchUpFailed(String channel, Throwable e) {
    try (var ignored = LogContext.channel(channel)) {
      LOG.debug("event=catch-up-failed channel={} cause=\"{}\"", channel, e.getMessage());
    }
  }

  /**
   * Reads the channel from each local subscriber's position and sends {@code reset} to those it
   * answers with one.
   */
  private void resetBehind(String channel) {
    for (Subscription subscription : hub.subscribers(channel)) {
      Session session = subscription.session();
      if (subscription.epoch() == null || subscription.isBuffering()) {
        continue;
      }
      Position from = new Position(subscription.epoch(), subscription.lastSeq());
      log.history(channel, from, 0, null)
          .onSuccess(
              page -> {
                if (page.reset() != null
                    && current(session, subscription)
                    && !subscription.isBuffering()
                    && from.epoch().equals(subscription.epoch())
                    && from.seq() == subscription.lastSeq()) {
                  Position head = new Position(page.epoch(), page.head());
                  outbound.send(session, Frames.reset(channel, page.reset(), head));
                  subscription.position(head.epoch(), head.seq());
                }
              })
          .onFailure(e -> logCatchUpFailed(channel, e));
    }
  }

  /** {@link #catchUp(String)} for every channel this node listens to. */
  public void catchUpAll() {
    for (String channel : hub.channels()) {
      catchUp(channel);
    }
  }

  /**
   * Whether the subscription is still its open session's: not unsubscribed, replaced by a
   * re-subscribe of its channel, or closed (the session ends it when it lets it go).
   */
  private static boolean current(Session session, Subscription subscription) {
    return session.isOpen() && !subscription.isEnded();
  }
}
