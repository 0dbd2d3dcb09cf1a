package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.connection.ChannelList;
import dev.mesh.common.connection.ChannelsQuery;
import dev.mesh.common.connection.UnsubscribeRequest;
import dev.mesh.common.connection.UnsubscribeResult;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.connection.edge.EdgeLoop;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Channel administration on the event bus (docs/PROTOCOL.md §9.4): unsubscribe a user from a
 * channel, and list the channels that have subscribers. The cluster-wide addresses are answered by
 * any connection node, which asks the nodes concerned on their node addresses; those run on the
 * edge verticle's context, which owns the sessions.
 */
public final class ChannelAdmin {

  /** How long a node waits for the other nodes' part of a cluster-wide answer. */
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

  private final EdgeNode edge;
  private final PresenceClient presence;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public ChannelAdmin(EdgeNode edge) {
    this.edge = edge;
    this.presence = new PresenceClient(edge.node().vertx(), NODE_TIMEOUT);
  }

  public Future<Void> start() {
    EventBus bus = edge.node().vertx().eventBus();
    String nodeId = edge.node().nodeId();
    RequestBody<UnsubscribeRequest> unsubscribe = RequestBody.of(UnsubscribeRequest.class);
    RequestBody<ChannelsQuery> channels = RequestBody.of(ChannelsQuery.class);
    consumers.add(
        BusRequest.consumer(bus, Addresses.UNSUBSCRIBE, unsubscribe, this::unsubscribeEverywhere));
    consumers.add(
        BusRequest.consumer(
            bus, Addresses.nodeUnsubscribe(nodeId), unsubscribe, this::unsubscribeHere));
    consumers.add(BusRequest.consumer(bus, Addresses.CHANNELS, channels, this::channelsEverywhere));
    consumers.add(
        BusRequest.consumer(bus, Addresses.nodeChannels(nodeId), channels, this::channelsHere));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  public Future<Void> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  private static Optional<String> problem(UnsubscribeRequest request) {
    if (request.userId() == null || request.userId().isBlank()) {
      return Optional.of("userId is required");
    }
    if (request.channel() == null) {
      return Optional.of("channel is required");
    }
    return ClientIds.checkChannel(request.channel());
  }

  private void unsubscribeEverywhere(BusRequest<UnsubscribeRequest> message) {
    UnsubscribeRequest request = message.body();
    Optional<String> problem = problem(request);
    if (problem.isPresent()) {
      message.fail(ErrorCodes.BAD_REQUEST, problem.get());
      return;
    }
    edge.registry()
        .connectionsOf(request.userId())
        .compose(
            entries -> {
              Set<String> nodes = new LinkedHashSet<>();
              entries.stream().map(RegistryEntry::nodeId).forEach(nodes::add);
              DeliveryOptions options =
                  new DeliveryOptions().setSendTimeout(NODE_TIMEOUT.toMillis());
              List<Future<Integer>> replies =
                  nodes.stream()
                      .map(
                          node ->
                              edge.node()
                                  .vertx()
                                  .eventBus()
                                  .<UnsubscribeResult>request(
                                      Addresses.nodeUnsubscribe(node), request, options)
                                  .map(reply -> reply.body().unsubscribed())
                                  .otherwise(0))
                      .toList();
              return Future.join(replies).map(v -> replies.stream().mapToInt(Future::result).sum());
            })
        .onSuccess(
            count ->
                message.reply(new UnsubscribeResult(request.userId(), request.channel(), count)))
        .onFailure(e -> message.fail(ErrorCodes.INTERNAL, "registry: " + e.getMessage()));
  }

  private void unsubscribeHere(BusRequest<UnsubscribeRequest> message) {
    UnsubscribeRequest request = message.body();
    Optional<String> problem = problem(request);
    if (problem.isPresent()) {
      message.fail(ErrorCodes.BAD_REQUEST, problem.get());
      return;
    }
    edge.onEach((EdgeLoop loop) -> Future.succeededFuture(unsubscribe(loop, request)))
        .onSuccess(
            counts ->
                message.reply(
                    new UnsubscribeResult(
                        request.userId(),
                        request.channel(),
                        counts.stream().mapToInt(c -> c == null ? 0 : c).sum())));
  }

  /** The user's connections on one loop (run on that loop). */
  private int unsubscribe(EdgeLoop loop, UnsubscribeRequest request) {
    int count = 0;
    for (Session session : loop.sessionsOf(request.userId())) {
      if (session.state() != Session.State.OPEN) {
        continue;
      }
      Subscription subscription = session.subscription(request.channel());
      if (subscription == null || !loop.detach(session, request.channel())) {
        continue;
      }
      if (subscription.presence()) {
        presence.leave(session.identity(), request.channel());
      }
      loop.send(session, Frames.unsubscribedByServer(request.channel()));
      count++;
    }
    return count;
  }

  private void channelsEverywhere(BusRequest<ChannelsQuery> message) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(NODE_TIMEOUT.toMillis());
    // Every member is asked: presence and replay members have no such address and fail at once (no
    // handlers).
    List<Future<ChannelList>> replies =
        edge.node().memberIds().stream()
            .map(
                node ->
                    edge.node()
                        .vertx()
                        .eventBus()
                        .<ChannelList>request(Addresses.nodeChannels(node), message.body(), options)
                        .map(Message::body)
                        .otherwise((ChannelList) null))
            .toList();
    Future.join(replies)
        .onComplete(
            done -> {
              Map<String, Integer> merged = new TreeMap<>();
              int nodes = 0;
              for (Future<ChannelList> reply : replies) {
                if (reply.result() != null) {
                  nodes++;
                  reply
                      .result()
                      .channels()
                      .forEach(c -> merged.merge(c.channel(), c.subscribers(), Integer::sum));
                }
              }
              List<ChannelList.Channel> channels = new ArrayList<>();
              merged.forEach(
                  (channel, subscribers) ->
                      channels.add(new ChannelList.Channel(channel, subscribers)));
              message.reply(new ChannelList(channels, nodes));
            });
  }

  private void channelsHere(BusRequest<ChannelsQuery> message) {
    String prefix = message.body().prefix() == null ? "" : message.body().prefix();
    edge.onEach(
            (EdgeLoop loop) -> {
              Map<String, Integer> counts = new TreeMap<>();
              for (String channel : loop.channels()) {
                if (channel.startsWith(prefix)) {
                  counts.put(channel, loop.subscribers(channel).size());
                }
              }
              return Future.succeededFuture(counts);
            })
        .onSuccess(
            perLoop -> {
              Map<String, Integer> merged = new TreeMap<>();
              perLoop.forEach(
                  counts -> {
                    if (counts != null) {
                      counts.forEach(
                          (channel, subscribers) ->
                              merged.merge(channel, subscribers, Integer::sum));
                    }
                  });
              List<ChannelList.Channel> channels = new ArrayList<>();
              merged.forEach(
                  (channel, subscribers) ->
                      channels.add(new ChannelList.Channel(channel, subscribers)));
              message.reply(new ChannelList(channels, 1));
            });
  }
}
