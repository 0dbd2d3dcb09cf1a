package dev.mesh.presence.api;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelMembership;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.MembershipAction;
import dev.mesh.common.presence.state.ChannelOutcome;
import dev.mesh.common.presence.state.ChannelView;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.ExpiryGate;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Instant;
import java.util.List;

/**
 * Answers {@code mesh.presence.channel}: {@link ChannelQuery} (a snapshot) and {@link
 * ChannelMembership} (a connection joins or explicitly leaves a channel's presence). A join first
 * records the channel on the user's connection (so that the connection's close makes it leave),
 * then joins the channel; a refused join is undone.
 */
public final class ChannelVerticle extends VerticleBase {

  /**
   * Either record; as JSON, a body with {@code action} is a {@link ChannelMembership}, any other a
   * query.
   */
  static final RequestBody<MeshMessage> BODY =
      RequestBody.oneOf(
          List.of(ChannelQuery.class, ChannelMembership.class),
          json -> json.containsKey("action") ? ChannelMembership.class : ChannelQuery.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private final ExpiryGate gate;
  private PresenceStore store;
  private PresenceEffects effects;

  public ChannelVerticle(
      MeshNode node, PresenceOptions options, PresenceMetrics metrics, ExpiryGate gate) {
    this.node = node;
    this.options = options;
    this.metrics = metrics;
    this.gate = gate;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    effects = new PresenceEffects(vertx, store, metrics, gate);
    return BusRequest.consumer(vertx.eventBus(), Addresses.PRESENCE_CHANNEL, BODY, this::answer)
        .completion();
  }

  private void answer(BusRequest<MeshMessage> message) {
    Future<ChannelMembers> reply;
    if (message.body() instanceof ChannelQuery query) {
      reply =
          Future.succeededFuture(query)
              .compose(
                  q -> {
                    int limit = Requests.check(q, options.maxMembers());
                    return store
                        .channel(q.channel(), limit)
                        .map(view -> members(q.channel(), view, null));
                  });
    } else if (message.body() instanceof ChannelMembership request) {
      reply =
          Future.succeededFuture(request)
              .compose(
                  r -> {
                    String info = Requests.check(r, options.maxMembers());
                    return r.action() == MembershipAction.JOIN ? join(r, info) : leave(r);
                  });
    } else {
      reply = Future.failedFuture(BadRequest.of("expected " + BODY.expected()));
    }
    reply.onSuccess(message::reply).onFailure(e -> Requests.fail(message.message(), e));
  }

  private Future<ChannelMembers> join(ChannelMembership request, String info) {
    ConnectionIdentity identity = request.identity();
    String channel = request.channel();
    return store
        .track(identity, channel, true)
        .compose(
            tracked -> {
              if (!tracked.accepted()) {
                return Future.failedFuture(closed(identity));
              }
              effects.user(identity.userId(), tracked.opened(), null);
              return store.join(
                  channel,
                  identity,
                  info,
                  options.maxMembers(),
                  Math.min(request.limit(), options.maxMembers()));
            })
        .compose(
            outcome -> {
              effects.channel(channel, outcome);
              if (outcome.join() == ChannelOutcome.Join.CLOSED) {
                return Future.failedFuture(closed(identity));
              }
              if (outcome.join() == ChannelOutcome.Join.FULL) {
                metrics.channelFull();
                return store
                    .track(identity, channel, false)
                    .map(undone -> members(channel, outcome.view(), false));
              }
              return Future.succeededFuture(members(channel, outcome.view(), true));
            });
  }

  private Future<ChannelMembers> leave(ChannelMembership request) {
    ConnectionIdentity identity = request.identity();
    return store
        .track(identity, request.channel(), false)
        .compose(
            untracked ->
                store.leave(request.channel(), identity.userId(), identity.connectionId(), null))
        .map(
            outcome -> {
              effects.channel(request.channel(), outcome);
              return members(request.channel(), outcome.view(), null);
            });
  }

  private static BadRequest closed(ConnectionIdentity identity) {
    return new BadRequest(
        ErrorCodes.NOT_FOUND, "connection " + identity.connectionId() + " is closed");
  }

  private static ChannelMembers members(String channel, ChannelView view, Boolean joined) {
    return new ChannelMembers(
        channel,
        view.count(),
        view.members().stream()
            .map(
                m ->
                    new ChannelMembers.Member(
                        m.userId(),
                        m.state(),
                        PresenceEffects.parse(m.info()),
                        Instant.ofEpochMilli(m.since())))
            .toList(),
        view.truncated(),
        joined,
        view.version());
  }
}
