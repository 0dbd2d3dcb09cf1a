package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.observe.MeshTracing;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.session.Session;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Local subscribers per channel. The node listens on a channel's live address only while it has
 * local subscribers (registering a clustered consumer writes to Hazelcast, so there is one per
 * channel per node, never one per connection). Each event is handed once to {@code fanOut} with a
 * snapshot of the channel's subscribers (a delivery may close a slow subscriber), and is serialised
 * once for all of them. When the node traces, the hand-over is a span ({@value #DELIVER_SPAN}) in
 * the trace that arrived with the event, so a publish's trace ends at its delivery.
 */
public final class ChannelHub {

  /** Name of the span of an event's delivery to a channel's local subscribers. */
  public static final String DELIVER_SPAN = "mesh deliver";

  private final Vertx vertx;
  private final BiConsumer<Envelope, List<Session>> fanOut;
  private final Map<String, Channel> channels = new HashMap<>();

  /** Null when the node does not trace: then delivery costs nothing more. */
  private final Tracer tracer;

  public ChannelHub(Vertx vertx, BiConsumer<Envelope, List<Session>> fanOut) {
    this.vertx = vertx;
    this.fanOut = fanOut;
    this.tracer = MeshTracing.tracer(vertx);
  }

  private final class Channel {
    final Set<Session> subscribers = new LinkedHashSet<>();
    final MessageConsumer<Object> consumer;
    final Future<Void> ready;

    Channel(String name) {
      // Only replay-service publishes here; anything else (an undecodable or foreign body) is not
      // an event.
      consumer =
          vertx
              .eventBus()
              .consumer(
                  Addresses.channel(name),
                  message -> {
                    if (message.body() instanceof Envelope event) {
                      deliver(name, event, subscribers);
                    }
                  });
      ready = consumer.completion();
    }
  }

  private void deliver(String channel, Envelope event, Set<Session> subscribers) {
    List<Session> snapshot = new ArrayList<>(subscribers);
    if (tracer == null) {
      fanOut.accept(event, snapshot);
      return;
    }
    MeshTracing.inSpan(
        tracer,
        DELIVER_SPAN,
        span ->
            span.setAttribute("mesh.channel", channel)
                .setAttribute("mesh.event.id", event.id())
                .setAttribute("mesh.event.seq", event.seq())
                .setAttribute("mesh.subscribers", snapshot.size()),
        () -> fanOut.accept(event, snapshot));
  }

  /** Adds a subscriber; the future completes once this node receives the channel's live events. */
  public Future<Void> add(String channel, Session session) {
    Channel state = channels.computeIfAbsent(channel, Channel::new);
    state.subscribers.add(session);
    return state.ready;
  }

  public void remove(String channel, Session session) {
    Channel state = channels.get(channel);
    if (state != null && state.subscribers.remove(session) && state.subscribers.isEmpty()) {
      channels.remove(channel);
      state.consumer.unregister();
    }
  }

  /** The channels this node listens to now (a copy). */
  public List<String> channels() {
    return List.copyOf(channels.keySet());
  }

  /** Whether this node already listens to the channel. */
  public boolean listens(String channel) {
    return channels.containsKey(channel);
  }

  public int channelCount() {
    return channels.size();
  }

  /** Local subscribers of a channel (read-only view; empty if none). */
  public Set<Session> subscribers(String channel) {
    Channel state = channels.get(channel);
    return state == null ? Set.of() : java.util.Collections.unmodifiableSet(state.subscribers);
  }
}
