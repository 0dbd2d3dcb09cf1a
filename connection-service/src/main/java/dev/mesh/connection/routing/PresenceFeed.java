package dev.mesh.connection.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.connection.edge.ChannelDelivery;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.Map;

/**
 * Channel presence diffs from presence-service, consumed once per node and written as {@code
 * presence} frames to the local subscribers of that channel that asked for presence. Events whose
 * version is not above the last one seen for the same channel and user are stale (reordered on the
 * bus) and dropped.
 */
public final class PresenceFeed {

  private final Vertx vertx;
  private final ChannelDelivery channels;
  private final Map<String, Long> lastVersion = new HashMap<>();
  private MessageConsumer<Object> consumer;

  /** Delivers to one loop's subscribers, through {@code channels}. */
  public PresenceFeed(Vertx vertx, ChannelDelivery channels) {
    this.vertx = vertx;
    this.channels = channels;
  }

  public Future<Void> start() {
    consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.PRESENCE_EVENTS,
                message -> {
                  if (message.body() instanceof PresenceChanged change
                      && change.channel() != null) {
                    deliver(change);
                  }
                });
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void deliver(PresenceChanged change) {
    var subscribers = channels.subscribers(change.channel());
    String key = change.channel() + '\u0000' + change.userId();
    if (subscribers.isEmpty()) {
      lastVersion.remove(key);
      return;
    }
    Long previous = lastVersion.get(key);
    if (previous != null && change.version() <= previous) {
      return;
    }
    if (change.change() == PresenceChange.LEAVE) {
      lastVersion.remove(key);
    } else {
      lastVersion.put(key, change.version());
    }
    ObjectNode frame =
        Frames.frame("presence")
            .put("channel", change.channel())
            .put("action", change.change().wireName());
    ObjectNode member = frame.putObject("member").put("userId", change.userId());
    if (change.info() != null) {
      member.set("info", change.info());
    }
    String text = Frames.text(frame);
    for (Subscription subscription : java.util.List.copyOf(subscribers)) {
      Session session = subscription.session();
      if (subscription.presence() && !subscription.isEnded() && session.isOpen()) {
        channels.send(session, text);
      }
    }
  }
}
