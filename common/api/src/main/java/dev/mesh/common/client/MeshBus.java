package dev.mesh.common.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.auth.AuthorizeDecision;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.connection.ChannelList;
import dev.mesh.common.connection.ChannelsQuery;
import dev.mesh.common.connection.ConnectionList;
import dev.mesh.common.connection.ConnectionQuery;
import dev.mesh.common.connection.KickRequest;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.connection.NodeStats;
import dev.mesh.common.connection.UnsubscribeRequest;
import dev.mesh.common.connection.UnsubscribeResult;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.AckRequest;
import dev.mesh.common.replay.AckResult;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.HistoryRequest;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PendingCriticalRequest;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.status.ServiceStatus;
import dev.mesh.common.status.StatusQuery;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The client of Mesh for JVM services: joins the Mesh cluster as a Hazelcast <em>lite member</em>
 * with Mesh's own Hazelcast configuration (so it owns no partition of Mesh's data and passes Mesh's
 * join check), registers the {@code mesh} codec, and offers one typed method per event-bus address
 * of docs/PROTOCOL.md 9.
 *
 * <p><b>Deadlines and retries.</b> Every request method makes attempts of at most {@link
 * MeshBusOptions#attemptTimeout()} (5 s) each, and retries a retryable failure (Vert.x's {@code
 * TIMEOUT} or {@code NO_HANDLERS}, or codes 503 and 504, {@link ErrorCodes#isRetryable}) with the
 * <em>same</em> body after 100 ms, then 200 ms, 400 ms ..., until {@link MeshBusOptions#deadline()}
 * (15 s) from the first attempt; then, or on any other failure, the future fails with the last
 * {@link ReplyException} (its {@code failureCode()} is an {@link ErrorCodes} value). Every request
 * is idempotent when repeated unchanged: a publish or a send to a user carries its caller-chosen
 * {@code id}, so a retry after a lost reply is answered with the original position and {@code
 * duplicate: true} instead of a second event.
 *
 * <p>Futures complete on a Vert.x context; do not block in their callbacks. {@link #close()} leaves
 * the cluster.
 */
public final class MeshBus {

  private final MeshNode node;
  private final MeshBusOptions options;
  private final BusClient bus;

  private MeshBus(MeshNode node, MeshBusOptions options) {
    this.node = node;
    this.options = options;
    this.bus = new BusClient(node.vertx());
  }

  /**
   * Joins the Mesh cluster as a lite member; completes once joined and at least one Mesh data
   * member (presence or replay) is in view. Fails if the cluster cannot be joined.
   */
  public static Future<MeshBus> join(MeshBusOptions options) {
    return MeshCluster.start(options.cluster().withLiteMember(true), options.busTls(), null)
        .map(node -> new MeshBus(node, options));
  }

  /**
   * This member's Vert.x (clustered, with the {@code mesh} codec registered): for anything this
   * class lacks.
   */
  public Vertx vertx() {
    return node.vertx();
  }

  /** This member's node id in the cluster. */
  public String nodeId() {
    return node.nodeId();
  }

  /** The options this client joined with. */
  public MeshBusOptions options() {
    return options;
  }

  // --- replay-service ---

  /**
   * Appends an event to {@code channel}'s history and publishes it live ({@code mesh.publish}).
   * {@code id} is the caller's id of the event (1-128 of A-Z a-z 0-9 _ -), its deduplication key
   * with the channel: retried with it. {@code data} is any JSON value: a Jackson {@link JsonNode},
   * a Vert.x {@link JsonObject}, or any object Jackson can write. Fails with 400 (invalid channel,
   * id or data), 413 (data over {@code MESH_MAX_EVENT_BYTES}), 429.
   */
  public Future<PublishResult> publish(String channel, String id, Object data, boolean critical) {
    return publish(new PublishRequest(channel, id, tree(data), critical));
  }

  public Future<PublishResult> publish(PublishRequest request) {
    return request(Addresses.PUBLISH, request, PublishResult.class);
  }

  /**
   * One page of {@code channel}'s history after {@code after} (null: the oldest retained), at most
   * {@code limit}.
   */
  public Future<HistoryPage> history(String channel, Position after, Integer limit) {
    return request(Addresses.HISTORY, new HistoryRequest(channel, after, limit), HistoryPage.class);
  }

  /**
   * Moves {@code userId}'s ack cursor of {@code channel}'s critical events to {@code upTo} ({@code
   * mesh.replay.ack}).
   */
  public Future<AckResult> ack(String userId, String channel, Position upTo) {
    return request(
        Addresses.ACK,
        new AckRequest(userId, channel, upTo.epoch(), upTo.seq(), false),
        AckResult.class);
  }

  /**
   * {@code userId}'s unacknowledged critical events of {@code channel} ({@code
   * mesh.replay.pending}).
   */
  public Future<PendingCritical> pendingCritical(String userId, String channel) {
    return request(
        Addresses.PENDING_CRITICAL,
        new PendingCriticalRequest(userId, channel, null, null),
        PendingCritical.class);
  }

  // --- presence-service ---

  /**
   * Presence of one user: online, reconnecting or offline, with its connections across the cluster.
   */
  public Future<UserPresence> presence(String userId) {
    return presence(List.of(userId)).map(statuses -> statuses.users().get(0));
  }

  /** Presence of 1 to {@value PresenceQuery#MAX_USERS} users, in the order asked. */
  public Future<PresenceStatuses> presence(List<String> userIds) {
    return request(Addresses.PRESENCE_QUERY, new PresenceQuery(userIds), PresenceStatuses.class);
  }

  /** Users online and reconnecting, and connections, across the cluster. */
  public Future<PresenceCounts> presenceCounts() {
    return request(
        Addresses.PRESENCE_QUERY, new PresenceCountsQuery(nodeId()), PresenceCounts.class);
  }

  /**
   * Members of {@code channel}'s presence, oldest first, at most {@code limit} listed (0: the count
   * only).
   */
  public Future<ChannelMembers> channelPresence(String channel, int limit) {
    return request(
        Addresses.PRESENCE_CHANNEL, new ChannelQuery(channel, limit), ChannelMembers.class);
  }

  // --- connection-service ---

  /**
   * Sends {@code data} to every live connection of {@code userId} subscribed to {@code
   * user:<userId>}, and keeps it in that channel's history for the user's other and later
   * connections ({@code mesh.send.user}). {@code id} is the deduplication key, as for {@link
   * #publish}.
   */
  public Future<SendResult> sendToUser(String userId, String id, Object data, boolean critical) {
    return request(
        Addresses.SEND_TO_USER,
        new SendToUser(userId, id, tree(data), critical, null),
        SendResult.class);
  }

  /**
   * Closes every connection of {@code userId} with close code 4505 and {@code message} in its
   * goodbye.
   */
  public Future<KickResult> kickUser(String userId, String message) {
    return kick(new KickRequest(userId, null, null, message));
  }

  /**
   * Closes the connections a {@link KickRequest} names (a user's, a session's, or one connection).
   */
  public Future<KickResult> kick(KickRequest request) {
    return request(Addresses.KICK, request, KickResult.class);
  }

  /**
   * Ends {@code userId}'s subscription to {@code channel} on every live connection ({@code
   * mesh.connection.unsubscribe}): each is told with an {@code unsubscribed} frame (reason {@code
   * server}), leaves the channel's presence, and its client does not subscribe it again on
   * reconnect. The result counts the connections unsubscribed (0 when none was subscribed, so a
   * retry is harmless). It bars nothing: the authoriser decides whether the user may subscribe
   * again.
   */
  public Future<UnsubscribeResult> unsubscribe(String userId, String channel) {
    return request(
        Addresses.UNSUBSCRIBE, new UnsubscribeRequest(userId, channel), UnsubscribeResult.class);
  }

  /**
   * Channels with live subscribers across the cluster ({@code mesh.connection.channels}), sorted by
   * name, each with its subscriber connections; only those starting with {@code prefix} (null or
   * empty: all). {@code user:} channels are never listed.
   */
  public Future<ChannelList> channels(String prefix) {
    return request(Addresses.CHANNELS, new ChannelsQuery(prefix), ChannelList.class);
  }

  /** {@code userId}'s live connections across the cluster, oldest first. */
  public Future<ConnectionList> connections(String userId) {
    return request(Addresses.LIST_CONNECTIONS, new ConnectionQuery(userId), ConnectionList.class);
  }

  /** Statistics of one connection node (not retried on {@code NO_HANDLERS}: that node is gone). */
  public Future<NodeStats> nodeStats(String nodeId) {
    return bus.request(
        Addresses.nodeStats(nodeId),
        new StatusQuery(nodeId()),
        NodeStats.class,
        options.attemptTimeout());
  }

  /**
   * Statistics of every connection node in the cluster, by node id: every member is asked, and
   * those that are not connection nodes (no handler) are left out. One attempt per node.
   */
  public Future<List<NodeStats>> stats() {
    List<Future<NodeStats>> asked = new ArrayList<>();
    for (String member : node.memberIds()) {
      if (!member.equals(nodeId())) {
        asked.add(nodeStats(member));
      }
    }
    return Future.join(asked)
        .transform(
            ignored -> {
              List<NodeStats> found = new ArrayList<>();
              for (Future<NodeStats> one : asked) {
                if (one.succeeded()) {
                  found.add(one.result());
                } else if (!(one.cause() instanceof ReplyException reply
                    && reply.failureType() == ReplyFailure.NO_HANDLERS)) {
                  return Future.failedFuture(one.cause());
                }
              }
              found.sort(Comparator.comparing(NodeStats::nodeId));
              return Future.succeededFuture(found);
            });
  }

  /**
   * Status of one instance of a service: {@code address} is {@link Addresses#CONNECTION_STATUS},
   * {@link Addresses#PRESENCE_STATUS} or {@link Addresses#REPLAY_STATUS}.
   */
  public Future<ServiceStatus> status(String address) {
    return request(address, new StatusQuery(nodeId()), ServiceStatus.class);
  }

  // --- what Mesh publishes ---

  /**
   * Live events of {@code channel} (replay-service publishes each once, in no guaranteed order:
   * order by seq).
   */
  public Future<MessageConsumer<Object>> onChannel(String channel, Handler<Envelope> handler) {
    return listen(Addresses.channel(channel), Envelope.class, handler);
  }

  /** Every presence change, user level ({@code channel} null) and channel level. */
  public Future<MessageConsumer<Object>> onPresenceChanges(Handler<PresenceChanged> handler) {
    return listen(Addresses.PRESENCE_EVENTS, PresenceChanged.class, handler);
  }

  /** Every {@link ConnectionOpened} and {@link ConnectionClosed} of every connection node. */
  public Future<MessageConsumer<Object>> onConnectionEvents(Handler<MeshMessage> handler) {
    MessageConsumer<Object> consumer =
        node.vertx()
            .eventBus()
            .consumer(
                Addresses.CONNECTION_EVENTS,
                message -> {
                  if (message.body() instanceof ConnectionOpened
                      || message.body() instanceof ConnectionClosed) {
                    handler.handle((MeshMessage) message.body());
                  }
                });
    return consumer.completion().map(consumer);
  }

  /**
   * Serves {@code mesh.authorize} for connection nodes started with {@code MESH_AUTHORIZER=bus}:
   * {@code decide} is asked for every connect, subscribe and publish (2 s budget on Mesh's side; a
   * failure is a denial).
   */
  public Future<MessageConsumer<Object>> serveAuthorizer(
      Function<AuthorizeRequest, Future<AuthorizeDecision>> decide) {
    MessageConsumer<Object> consumer =
        BusRequest.consumer(
            node.vertx().eventBus(),
            Addresses.AUTHORIZE,
            RequestBody.of(AuthorizeRequest.class),
            request ->
                decide
                    .apply(request.body())
                    .onSuccess(request::reply)
                    .onFailure(
                        e -> request.fail(ErrorCodes.INTERNAL, String.valueOf(e.getMessage()))));
    return consumer.completion().map(consumer);
  }

  /** Leaves the cluster. */
  public Future<Void> close() {
    return node.close();
  }

  private <T> Future<MessageConsumer<Object>> listen(
      String address, Class<T> type, Handler<T> handler) {
    MessageConsumer<Object> consumer =
        node.vertx()
            .eventBus()
            .consumer(
                address,
                message -> {
                  if (type.isInstance(message.body())) {
                    handler.handle(type.cast(message.body()));
                  }
                });
    return consumer.completion().map(consumer);
  }

  /**
   * A request with the documented retries, each attempt within the attempt timeout, all within the
   * deadline.
   */
  private <R> Future<R> request(String address, MeshMessage body, Class<R> replyType) {
    long deadline = System.nanoTime() + options.deadline().toNanos();
    return attempt(address, body, replyType, deadline, options.firstBackoff().toMillis());
  }

  private <R> Future<R> attempt(
      String address, MeshMessage body, Class<R> replyType, long deadline, long backoff) {
    long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
    Duration timeout =
        Duration.ofMillis(Math.max(1, Math.min(options.attemptTimeout().toMillis(), leftMillis)));
    return bus.request(address, body, replyType, timeout)
        .recover(
            failure -> {
              long left = (deadline - System.nanoTime()) / 1_000_000;
              if (!retryable(failure) || left <= backoff) {
                return Future.failedFuture(failure);
              }
              Promise<R> retried = Promise.promise();
              node.vertx()
                  .setTimer(
                      Math.max(1, backoff),
                      timer ->
                          attempt(address, body, replyType, deadline, Math.max(1, backoff * 2))
                              .onComplete(retried));
              return retried.future();
            });
  }

  /** Vert.x's TIMEOUT and NO_HANDLERS, and the retryable codes of the protocol (503, 504). */
  static boolean retryable(Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      return false;
    }
    return switch (reply.failureType()) {
      case TIMEOUT, NO_HANDLERS -> true;
      case RECIPIENT_FAILURE -> ErrorCodes.isRetryable(reply.failureCode());
      default -> false;
    };
  }

  private static JsonNode tree(Object data) {
    Objects.requireNonNull(data, "data");
    if (data instanceof JsonNode node) {
      return node;
    }
    try {
      // Vert.x JSON values may nest each other: their own encoding is the faithful one.
      if (data instanceof JsonObject json) {
        return Json.MAPPER.readTree(json.encode());
      }
      if (data instanceof io.vertx.core.json.JsonArray array) {
        return Json.MAPPER.readTree(array.encode());
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("data is not JSON: " + e.getMessage(), e);
    }
    return Json.MAPPER.valueToTree(data);
  }
}
