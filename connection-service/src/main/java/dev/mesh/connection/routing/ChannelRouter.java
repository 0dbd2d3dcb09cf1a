package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.protocol.Envelope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One clustered consumer per channel per node, whatever the number of event loops: registering a
 * consumer writes to Hazelcast and every registration is one more copy of each event sent to the
 * node, so the loops with subscribers of a channel share it. The consumer runs on the context of
 * the loop that joined first; each event is handed to every joined loop's {@link ChannelHub} on
 * that hub's own context (in the order the consumer received them: one consumer, one thread, and
 * each context runs what it is handed in order), and is decoded once for all. The consumer goes
 * when the last loop leaves. Safe to call from any thread.
 */
public final class ChannelRouter {

  private final Vertx vertx;
  private final Map<String, Route> routes = new HashMap<>();
  private final List<Consumer<String>> dropped = new CopyOnWriteArrayList<>();

  public ChannelRouter(Vertx vertx) {
    this.vertx = vertx;
  }

  private final class Route {
    final List<ChannelHub> hubs = new CopyOnWriteArrayList<>();
    final MessageConsumer<Object> consumer;

    Route(String channel) {
      // Only replay-service publishes here; anything else (an undecodable or foreign body) is not
      // an event.
      consumer =
          vertx
              .eventBus()
              .consumer(
                  Addresses.channel(channel),
                  message -> {
                    if (message.body() instanceof Envelope event) {
                      for (ChannelHub hub : hubs) {
                        hub.receive(channel, event);
                      }
                    }
                  });
    }
  }

  /**
   * Adds a loop's hub to the channel; completes (on whatever thread registered the consumer) once
   * this node receives the channel's live events.
   */
  public synchronized Future<Void> join(String channel, ChannelHub hub) {
    Route route = routes.computeIfAbsent(channel, Route::new);
    if (!route.hubs.contains(hub)) {
      route.hubs.add(hub);
    }
    return route.consumer.completion();
  }

  /** Removes a loop's hub; the node stops listening when it was the last. */
  public synchronized void leave(String channel, ChannelHub hub) {
    Route route = routes.get(channel);
    if (route != null && route.hubs.remove(hub) && route.hubs.isEmpty()) {
      routes.remove(channel);
      route.consumer.unregister();
      dropped.forEach(listener -> listener.accept(channel));
    }
  }

  /** Whether this node listens on {@code channel} now (some loop has subscribers). */
  public synchronized boolean listens(String channel) {
    return routes.containsKey(channel);
  }

  /** {@code listener} hears every channel the node stops listening on (called under the lock). */
  public void onDropped(Consumer<String> listener) {
    dropped.add(listener);
  }

  /** Channels this node listens to: one clustered consumer each. */
  public synchronized int channelCount() {
    return routes.size();
  }

  /** The channels this node listens to now (a copy). */
  public synchronized List<String> channels() {
    return new ArrayList<>(routes.keySet());
  }

  /** Loops joined to a channel (for tests and metrics). */
  public synchronized int loopsOf(String channel) {
    Route route = routes.get(channel);
    return route == null ? 0 : route.hubs.size();
  }
}
