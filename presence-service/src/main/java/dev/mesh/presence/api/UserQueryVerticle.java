package dev.mesh.presence.api;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Instant;
import java.util.List;

/**
 * Answers {@code mesh.presence.query}: {@link PresenceQuery} (one or many users) and {@link
 * PresenceCountsQuery}.
 */
public final class UserQueryVerticle extends VerticleBase {

  /**
   * Either record; as JSON, a body with {@code userIds} is a {@link PresenceQuery}, any other a
   * counts query.
   */
  static final RequestBody<MeshMessage> BODY =
      RequestBody.oneOf(
          List.of(PresenceQuery.class, PresenceCountsQuery.class),
          json -> json.containsKey("userIds") ? PresenceQuery.class : PresenceCountsQuery.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private PresenceStore store;

  public UserQueryVerticle(MeshNode node, PresenceOptions options) {
    this.node = node;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    MessageConsumer<Object> consumer =
        BusRequest.consumer(vertx.eventBus(), Addresses.PRESENCE_QUERY, BODY, this::answer);
    return consumer.completion();
  }

  private void answer(BusRequest<MeshMessage> message) {
    Future<?> reply;
    if (message.body() instanceof PresenceQuery query) {
      reply =
          Future.succeededFuture(query)
              .compose(
                  q -> {
                    Requests.check(q);
                    return store.users(q.userIds());
                  })
              .map(PresenceStatuses::new);
    } else if (message.body() instanceof PresenceCountsQuery) {
      reply =
          store
              .tally()
              .map(
                  c ->
                      new PresenceCounts(
                          c.online(), c.reconnecting(), c.connections(), Instant.now()));
    } else {
      reply = Future.failedFuture(BadRequest.of("expected " + BODY.expected()));
    }
    reply
        .onSuccess(r -> message.reply((MeshMessage) r))
        .onFailure(e -> Requests.fail(message.message(), e));
  }
}
