package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.connection.ConnectionList;
import dev.mesh.common.connection.ConnectionQuery;
import dev.mesh.common.connection.KickRequest;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.connection.NodeStats;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.routing.CloseConnections;
import dev.mesh.common.routing.Delivery;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.status.StatusQuery;
import dev.mesh.connection.edge.EdgeNode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event-bus API other services use (docs/PROTOCOL.md §9.4): send to a user, kick, list a user's
 * connections, one node's statistics. Any connection node answers the cluster-wide ones; each
 * answers its own stats address.
 */
public final class IntegrationApi {

  private final EdgeNode edge;
  private final ChannelRouter router;
  private final Instant startedAt = Instant.now();
  private final List<io.vertx.core.eventbus.MessageConsumer<?>> consumers = new ArrayList<>();

  public IntegrationApi(EdgeNode edge, ChannelRouter router) {
    this.edge = edge;
    this.router = router;
  }

  public Future<Void> start() {
    EventBus bus = edge.node().vertx().eventBus();
    consumers.add(
        BusRequest.consumer(
            bus, Addresses.SEND_TO_USER, RequestBody.of(SendToUser.class), this::sendToUser));
    consumers.add(
        BusRequest.consumer(bus, Addresses.KICK, RequestBody.of(KickRequest.class), this::kick));
    consumers.add(
        BusRequest.consumer(
            bus, Addresses.LIST_CONNECTIONS, RequestBody.of(ConnectionQuery.class), this::list));
    consumers.add(
        BusRequest.consumer(
            bus,
            Addresses.nodeStats(edge.node().nodeId()),
            RequestBody.of(StatusQuery.class),
            this::stats));
    return Future.all(consumers.stream().map(c -> c.completion()).toList()).mapEmpty();
  }

  public Future<Void> stop() {
    return Future.join(consumers.stream().map(c -> c.unregister()).toList()).mapEmpty();
  }

  private void sendToUser(BusRequest<SendToUser> message) {
    SendToUser send = message.body();
    var problem = ClientIds.checkId("id", send.id());
    if (send.userId() == null || send.userId().isBlank()) {
      message.fail(ErrorCodes.BAD_REQUEST, "userId is required");
      return;
    }
    if (problem.isPresent() || send.data() == null || send.data().isNull()) {
      message.fail(ErrorCodes.BAD_REQUEST, problem.orElse("data is required"));
      return;
    }
    String channel = ReplayClient.userChannel(send.userId());
    String publisher = send.publisher() == null ? "bus" : send.publisher();
    edge.log()
        .publish(channel, send.id(), send.data(), send.critical(), publisher, null, null)
        .compose(
            published -> {
              Envelope event =
                  new Envelope(
                      channel,
                      published.epoch(),
                      published.seq(),
                      send.id(),
                      published.ts(),
                      send.data(),
                      send.critical());
              return edge.registry()
                  .connectionsOf(send.userId())
                  .map(
                      connections -> {
                        Map<String, List<String>> byNode = new LinkedHashMap<>();
                        for (RegistryEntry entry : connections) {
                          byNode
                              .computeIfAbsent(entry.nodeId(), n -> new ArrayList<>())
                              .add(entry.connectionId());
                        }
                        byNode.forEach(
                            (node, ids) ->
                                edge.node()
                                    .vertx()
                                    .eventBus()
                                    .send(Addresses.nodeInbox(node), new Delivery(event, ids)));
                        return new SendResult(
                            send.userId(),
                            channel,
                            published.epoch(),
                            published.seq(),
                            published.duplicate(),
                            connections.size());
                      });
            })
        .onSuccess(message::reply)
        .onFailure(e -> fail(message, e));
  }

  private void kick(BusRequest<KickRequest> message) {
    KickRequest kick = message.body();
    if (kick.userId() == null && kick.connectionId() == null) {
      message.fail(ErrorCodes.BAD_REQUEST, "userId or connectionId is required");
      return;
    }
    Future<List<RegistryEntry>> targets;
    if (kick.userId() != null) {
      targets =
          edge.registry()
              .connectionsOf(kick.userId())
              .map(
                  all ->
                      all.stream()
                          .filter(
                              e ->
                                  kick.sessionId() == null
                                      || e.identity().sessionId().equals(kick.sessionId()))
                          .filter(
                              e ->
                                  kick.connectionId() == null
                                      || e.connectionId().equals(kick.connectionId()))
                          .toList());
    } else {
      targets = Future.succeededFuture(null);
    }
    targets
        .compose(
            entries -> {
              if (entries == null) {
                // connectionId alone: every node checks its own sessions.
                return closeOnNodes(Map.of(), kick, List.of(kick.connectionId()));
              }
              Map<String, List<String>> byNode = new LinkedHashMap<>();
              entries.forEach(
                  e ->
                      byNode
                          .computeIfAbsent(e.nodeId(), n -> new ArrayList<>())
                          .add(e.connectionId()));
              return closeOnNodes(byNode, kick, null);
            })
        .onSuccess(closed -> message.reply(new KickResult(closed)))
        .onFailure(e -> fail(message, e));
  }

  private Future<Integer> closeOnNodes(
      Map<String, List<String>> byNode, KickRequest kick, List<String> everywhere) {
    Map<String, List<String>> targets = byNode;
    if (everywhere != null) {
      targets = new LinkedHashMap<>();
      for (String node : edge.node().memberIds()) {
        targets.put(node, everywhere);
      }
    }
    List<Future<Integer>> replies = new ArrayList<>();
    targets.forEach(
        (node, ids) ->
            replies.add(
                edge.node()
                    .vertx()
                    .eventBus()
                    .<KickResult>request(
                        Addresses.nodeInbox(node),
                        new CloseConnections(
                            ids, CloseCode.KICKED.code(), CloseReason.KICKED, null, kick.message()))
                    .map(reply -> reply.body().closed())
                    .otherwise(0)));
    return Future.join(replies)
        .map(v -> replies.stream().mapToInt(f -> f.result() == null ? 0 : f.result()).sum());
  }

  private void list(BusRequest<ConnectionQuery> message) {
    String userId = message.body().userId();
    if (userId == null || userId.isBlank()) {
      message.fail(ErrorCodes.BAD_REQUEST, "userId is required");
      return;
    }
    edge.registry()
        .connectionsOf(userId)
        .map(
            entries ->
                new ConnectionList(
                    userId,
                    entries.stream()
                        .map(
                            e ->
                                new ConnectionList.Entry(e.identity(), e.transport(), e.openedAt()))
                        .toList()))
        .onSuccess(message::reply)
        .onFailure(e -> fail(message, e));
  }

  private void stats(BusRequest<StatusQuery> message) {
    var metrics = edge.metrics();
    int websocket = edge.count(Transport.WEBSOCKET);
    int sse = edge.count(Transport.SSE);
    message.reply(
        new NodeStats(
            edge.node().nodeId(),
            startedAt,
            websocket + sse,
            websocket,
            sse,
            edge.users(),
            router.channelCount(),
            (long) metrics.messagesIn.count(),
            (long) metrics.messagesOut.count(),
            (long) metrics.messagesDropped.count(),
            metrics.ghosts()));
  }

  private static void fail(BusRequest<?> message, Throwable e) {
    if (e instanceof ReplyException reply && reply.failureCode() > 0) {
      message.fail(reply.failureCode(), reply.getMessage());
    } else if (e instanceof ReplyException) {
      message.fail(ErrorCodes.UNAVAILABLE, e.getMessage());
    } else {
      message.fail(ErrorCodes.INTERNAL, e.getMessage());
    }
  }
}
