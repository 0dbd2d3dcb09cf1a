package dev.mesh.connection.lifecycle;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.observe.LogContext;
import dev.mesh.connection.ops.ConnectionMetrics;
import io.vertx.core.eventbus.EventBus;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes, logs and counts every open and close, including closes reported for a lost node. */
public final class ConnectionEvents {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionEvents.class);

  private final EventBus bus;
  private final ConnectionMetrics metrics;

  public ConnectionEvents(EventBus bus, ConnectionMetrics metrics) {
    this.bus = bus;
    this.metrics = metrics;
  }

  public void opened(ConnectionIdentity id, Transport transport, Instant openedAt) {
    metrics.opened(transport);
    try (var ignored = LogContext.connection(id.userId(), id.connectionId())) {
      LOG.info(
          "event=connection-open user={} session={} tab={} page={} connection={} node={} transport={}",
          id.userId(),
          id.sessionId(),
          id.tabId(),
          id.pageId(),
          id.connectionId(),
          id.nodeId(),
          transport.wireName());
    }
    bus.publish(Addresses.CONNECTION_EVENTS, new ConnectionOpened(id, transport, openedAt));
  }

  /**
   * Announces again a connection that stayed open (its registry entry was restored): presence
   * counts it again if it had been lost, and ignores it otherwise (opens are idempotent). Not
   * counted as a new open.
   */
  public void reannounced(ConnectionIdentity id, Transport transport, Instant openedAt) {
    try (var ignored = LogContext.connection(id.userId(), id.connectionId())) {
      LOG.info(
          "event=connection-reannounced user={} connection={} node={}",
          id.userId(),
          id.connectionId(),
          id.nodeId());
    }
    bus.publish(Addresses.CONNECTION_EVENTS, new ConnectionOpened(id, transport, openedAt));
  }

  public void closed(
      ConnectionIdentity id,
      Transport transport,
      Instant openedAt,
      CloseReason reason,
      Integer code) {
    ConnectionClosed event =
        new ConnectionClosed(id, transport, openedAt, Instant.now(), reason, code);
    metrics.closed(reason);
    try (var ignored = LogContext.connection(id.userId(), id.connectionId())) {
      LOG.info(
          "event=connection-close user={} session={} tab={} page={} connection={} node={} transport={} reason={} "
              + "code={} durationMs={}",
          id.userId(),
          id.sessionId(),
          id.tabId(),
          id.pageId(),
          id.connectionId(),
          id.nodeId(),
          transport.wireName(),
          reason.wireName(),
          code,
          event.durationMillis());
    }
    bus.publish(Addresses.CONNECTION_EVENTS, event);
  }
}
