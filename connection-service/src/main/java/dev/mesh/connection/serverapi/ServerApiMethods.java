package dev.mesh.connection.serverapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
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
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.HistoryRequest;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.status.StatusQuery;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server API's methods: each reads its body, forwards one typed request per target to the
 * event-bus address that already implements it (PROTOCOL §9.4), and returns the reply as it is (or
 * a small summary object).
 */
final class ServerApiMethods {

  /**
   * One method: the request body and headers in, the JSON-serialisable answer out (or a failed
   * future).
   */
  interface Method {
    Future<?> call(ApiBody body, MultiMap headers);
  }

  /**
   * The idempotency header, mapped onto the publish id (the dedupe key with the channel and
   * publisher).
   */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /**
   * Publisher (dedupe scope) of an API publish without {@code publisher}: the same as
   * replay-service's HTTP API.
   */
  static final String DEFAULT_PUBLISHER = "http";

  static final int MAX_BROADCAST_CHANNELS = 100;
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final MeshNode node;
  private final BusClient bus;
  private final Map<String, Method> methods;

  ServerApiMethods(MeshNode node) {
    this.node = node;
    this.bus = new BusClient(node.vertx());
    this.methods =
        Map.ofEntries(
            Map.entry("publish", this::publish),
            Map.entry("broadcast", this::broadcast),
            Map.entry("send_user", this::sendUser),
            Map.entry("disconnect", this::disconnect),
            Map.entry("unsubscribe", this::unsubscribe),
            Map.entry("connections", this::connections),
            Map.entry("presence", this::presence),
            Map.entry("presence_stats", this::presenceStats),
            Map.entry("user_presence", this::userPresence),
            Map.entry("presence_counts", this::presenceCounts),
            Map.entry("history", this::history),
            Map.entry("channels", this::channels),
            Map.entry("info", this::info));
  }

  /** The method of that name, or null. */
  Method method(String name) {
    return methods.get(name);
  }

  Set<String> names() {
    return methods.keySet();
  }

  /**
   * The message id: the body's {@code id}, else the {@code Idempotency-Key} header, else a fresh
   * random one.
   */
  private static String messageId(ApiBody body, MultiMap headers) {
    String fromBody = body.id("id", false);
    String fromHeader = headers.get(IDEMPOTENCY_KEY);
    if (fromHeader != null) {
      ClientIds.checkId(IDEMPOTENCY_KEY, fromHeader)
          .ifPresent(
              problem -> {
                throw ApiError.badField(IDEMPOTENCY_KEY, problem);
              });
      if (fromBody != null && !fromBody.equals(fromHeader)) {
        throw ApiError.badField(
            "id", "id and the Idempotency-Key header differ: give one, or the same value");
      }
      return fromHeader;
    }
    if (fromBody != null) {
      return fromBody;
    }
    // Without a key the call is not retry-safe (a retry makes a second event), as Centrifugo
    // without idempotency_key.
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String publisher(ApiBody body) {
    String publisher = body.optionalString("publisher");
    if (publisher == null) {
      return DEFAULT_PUBLISHER;
    }
    if (publisher.startsWith(ReplayClient.USER_CHANNEL_PREFIX)) {
      throw ApiError.badField(
          "publisher", "publisher must not start with user: (reserved for users' publishes)");
    }
    return publisher;
  }

  private static ObjectNode published(PublishResult result) {
    ObjectNode json = Json.MAPPER.valueToTree(result);
    json.put("position", result.position().compact());
    return json;
  }

  private Future<?> publish(ApiBody body, MultiMap headers) {
    PublishRequest request =
        new PublishRequest(
            body.channel("channel"),
            messageId(body, headers),
            body.data("data"),
            body.flag("critical"),
            publisher(body),
            null,
            null);
    return bus.request(Addresses.PUBLISH, request, PublishResult.class)
        .map(result -> published(result).put("id", request.id()))
        .recover(e -> Future.failedFuture(ApiError.fromBus(e, body.fields())));
  }

  private Future<?> broadcast(ApiBody body, MultiMap headers) {
    List<String> channels = body.channels("channels", MAX_BROADCAST_CHANNELS);
    String id = messageId(body, headers);
    JsonNode data = body.data("data");
    boolean critical = body.flag("critical");
    String publisher = publisher(body);
    List<Future<ObjectNode>> outcomes = new ArrayList<>();
    for (String channel : channels) {
      PublishRequest request =
          new PublishRequest(channel, id, data, critical, publisher, null, null);
      outcomes.add(
          bus.request(Addresses.PUBLISH, request, PublishResult.class)
              .map(
                  result ->
                      Json.MAPPER
                          .createObjectNode()
                          .put("channel", channel)
                          .<ObjectNode>set("result", published(result)))
              .recover(
                  e -> {
                    ApiError error = ApiError.fromBus(e, Set.of());
                    return Future.succeededFuture(
                        Json.MAPPER
                            .createObjectNode()
                            .put("channel", channel)
                            .set(
                                "error",
                                Json.MAPPER
                                    .createObjectNode()
                                    .put("code", error.status)
                                    .put("message", error.getMessage())));
                  }));
    }
    return Future.join(outcomes)
        .map(
            v -> {
              ObjectNode answer = Json.MAPPER.createObjectNode().put("id", id);
              ArrayNode responses = answer.putArray("responses");
              outcomes.forEach(outcome -> responses.add(outcome.result()));
              return answer;
            });
  }

  private Future<?> sendUser(ApiBody body, MultiMap headers) {
    SendToUser request =
        new SendToUser(
            body.id("userId", true),
            messageId(body, headers),
            body.data("data"),
            body.flag("critical"),
            publisher(body));
    return forward(Addresses.SEND_TO_USER, request, SendResult.class, body);
  }

  private Future<?> disconnect(ApiBody body, MultiMap headers) {
    KickRequest request =
        new KickRequest(
            body.id("userId", false),
            body.id("sessionId", false),
            body.id("connectionId", false),
            body.optionalString("message"));
    if (request.userId() == null && request.connectionId() == null) {
      throw ApiError.badField("userId", "userId or connectionId is required");
    }
    if (request.sessionId() != null && request.userId() == null) {
      throw ApiError.badField("sessionId", "sessionId narrows a userId: give the userId too");
    }
    return forward(Addresses.KICK, request, KickResult.class, body);
  }

  private Future<?> unsubscribe(ApiBody body, MultiMap headers) {
    UnsubscribeRequest request =
        new UnsubscribeRequest(body.id("userId", true), body.channel("channel"));
    return forward(Addresses.UNSUBSCRIBE, request, UnsubscribeResult.class, body);
  }

  private Future<?> connections(ApiBody body, MultiMap headers) {
    return forward(
        Addresses.LIST_CONNECTIONS,
        new ConnectionQuery(body.id("userId", true)),
        ConnectionList.class,
        body);
  }

  private Future<?> presence(ApiBody body, MultiMap headers) {
    Integer limit = body.optionalCount("limit");
    ChannelQuery query = new ChannelQuery(body.channel("channel"), limit == null ? 100 : limit);
    return forward(Addresses.PRESENCE_CHANNEL, query, ChannelMembers.class, body);
  }

  private Future<?> presenceStats(ApiBody body, MultiMap headers) {
    ChannelQuery query = new ChannelQuery(body.channel("channel"), 0);
    return forward(Addresses.PRESENCE_CHANNEL, query, ChannelMembers.class, body)
        .map(
            members ->
                Json.MAPPER
                    .createObjectNode()
                    .put("channel", members.channel())
                    .put("members", members.count())
                    .put("version", members.version()));
  }

  private Future<?> userPresence(ApiBody body, MultiMap headers) {
    return forward(
        Addresses.PRESENCE_QUERY,
        new PresenceQuery(body.ids("userIds", PresenceQuery.MAX_USERS)),
        PresenceStatuses.class,
        body);
  }

  private Future<?> presenceCounts(ApiBody body, MultiMap headers) {
    return forward(
        Addresses.PRESENCE_QUERY,
        new PresenceCountsQuery(node.nodeId()),
        PresenceCounts.class,
        body);
  }

  private Future<?> history(ApiBody body, MultiMap headers) {
    String channel = body.channel("channel");
    Position after = null;
    String afterText = body.optionalString("after");
    if (afterText != null) {
      try {
        after = Position.parse(afterText);
      } catch (IllegalArgumentException e) {
        throw ApiError.badField("after", "after must be <epoch>:<seq>: " + e.getMessage());
      }
    }
    return forward(
        Addresses.HISTORY,
        new HistoryRequest(channel, after, body.optionalCount("limit")),
        HistoryPage.class,
        body);
  }

  private Future<?> channels(ApiBody body, MultiMap headers) {
    return forward(
        Addresses.CHANNELS,
        new ChannelsQuery(body.optionalString("prefix")),
        ChannelList.class,
        body);
  }

  /**
   * Statistics of every connection node, or of the one named by {@code nodeId} (404 when it is not
   * one).
   */
  private Future<?> info(ApiBody body, MultiMap headers) {
    String only = body.optionalString("nodeId");
    List<String> targets = only == null ? List.copyOf(node.memberIds()) : List.of(only);
    List<Future<NodeStats>> stats =
        targets.stream()
            .map(
                member ->
                    bus.request(
                            Addresses.nodeStats(member),
                            new StatusQuery(node.nodeId()),
                            NodeStats.class,
                            NODE_TIMEOUT)
                        .otherwise((NodeStats) null))
            .toList();
    return Future.join(stats)
        .map(
            v -> {
              List<NodeStats> nodes =
                  stats.stream().map(Future::result).filter(s -> s != null).toList();
              if (only != null && nodes.isEmpty()) {
                throw new ApiError(
                    ErrorCodes.NOT_FOUND, "nodeId", "no connection node " + only + " answered");
              }
              ObjectNode answer =
                  Json.MAPPER.createObjectNode().put("clusterMembers", node.memberCount());
              answer.set("nodes", Json.MAPPER.valueToTree(nodes));
              return answer;
            });
  }

  private <R> Future<R> forward(
      String address, dev.mesh.common.bus.MeshMessage request, Class<R> type, ApiBody body) {
    return bus.request(address, request, type)
        .recover(e -> Future.failedFuture(ApiError.fromBus(e, body.fields())));
  }
}
