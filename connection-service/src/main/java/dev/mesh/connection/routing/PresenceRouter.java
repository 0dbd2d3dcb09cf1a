package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.presence.PresenceChanged;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code mesh.presence.events}, consumed once per node whatever the number of event loops, and
 * handed to every loop's {@link PresenceFeed} only when the node listens on the change's channel.
 * presence-service publishes a user-level change on every connect and close, and the edge writes no
 * frame for those: with a consumer per loop, each was decoded and handed over once per loop for
 * nothing. The change's delivery headers ({@link PresenceChanged#LEVEL_HEADER}) say what it is, so
 * a change the node has no use for is passed over without decoding its body; a change without them
 * (from a presence-service that predates them) is decoded and judged by its body.
 */
public final class PresenceRouter {

  private final Vertx vertx;
  private final ChannelRouter channels;
  private final List<PresenceFeed> feeds = new CopyOnWriteArrayList<>();
  private final AtomicLong decoded = new AtomicLong();
  private MessageConsumer<Object> consumer;

  public PresenceRouter(Vertx vertx, ChannelRouter channels) {
    this.vertx = vertx;
    this.channels = channels;
    channels.onDropped(channel -> feeds.forEach(feed -> feed.forget(channel)));
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.PRESENCE_EVENTS, this::receive);
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** A loop's feed: from now on it is handed the changes of the channels the node listens on. */
  public void add(PresenceFeed feed) {
    feeds.add(feed);
  }

  public void remove(PresenceFeed feed) {
    feeds.remove(feed);
  }

  /** Change bodies decoded so far: only those of channels the node listens on (tests). */
  public long decoded() {
    return decoded.get();
  }

  private void receive(Message<Object> message) {
    MultiMap headers = message.headers();
    String level = headers.get(PresenceChanged.LEVEL_HEADER);
    if (PresenceChanged.USER_LEVEL.equals(level)) {
      return;
    }
    String channel = headers.get(PresenceChanged.CHANNEL_HEADER);
    if (level != null && (channel == null || !channels.listens(channel))) {
      return;
    }
    decoded.incrementAndGet();
    if (message.body() instanceof PresenceChanged change
        && change.channel() != null
        && channels.listens(change.channel())) {
      feeds.forEach(feed -> feed.receive(change));
    }
  }
}
