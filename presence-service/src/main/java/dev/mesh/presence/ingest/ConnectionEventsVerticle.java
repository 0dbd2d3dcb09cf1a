package dev.mesh.presence.ingest;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.ExpiryGate;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts connections from connection-service's {@code ConnectionOpened} / {@code ConnectionClosed}.
 * Every instance receives every event (they are published); the updates are idempotent by
 * connection id, so the first instance to apply one makes (and publishes) the change and the others
 * change nothing. An instance that dies thus loses no event: its peers applied them too. A {@code
 * node-lost} close for a node that is a member in this instance's view is ignored: only the
 * departure of a node makes its connections lost (this instance's own membership watch applies it
 * when it sees the node go).
 */
public final class ConnectionEventsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionEventsVerticle.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private final ExpiryGate gate;
  private PresenceStore store;
  private PresenceEffects effects;

  public ConnectionEventsVerticle(
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
    return vertx.eventBus().consumer(Addresses.CONNECTION_EVENTS, this::onEvent).completion();
  }

  private void onEvent(Message<Object> message) {
    if (message.body() instanceof ConnectionOpened opened) {
      String userId = opened.identity().userId();
      store
          .open(opened.identity(), opened.openedAt())
          .onSuccess(outcome -> effects.user(userId, outcome, null))
          .onFailure(e -> failed("open", opened.identity().connectionId(), e));
    } else if (message.body() instanceof ConnectionClosed closed) {
      String userId = closed.identity().userId();
      if (closed.reason() == CloseReason.NODE_LOST
          && node.memberIds().contains(closed.identity().nodeId())) {
        LOG.info(
            "event=node-lost-ignored connection={} node={} cause=\"a member in this node's view\"",
            closed.identity().connectionId(),
            closed.identity().nodeId());
        return;
      }
      store
          .close(userId, closed.identity().connectionId(), closed.reason())
          .onSuccess(outcome -> effects.user(userId, outcome, closed.reason()))
          .onFailure(e -> failed("close", closed.identity().connectionId(), e));
    }
  }

  // Another instance applies the same event; reconciliation repairs what every instance missed.
  private static void failed(String what, String connectionId, Throwable e) {
    LOG.warn(
        "event=connection-event-failed kind={} connection={} cause=\"{}\"",
        what,
        connectionId,
        e.getMessage());
  }
}
