package dev.mesh.connection.routing;

import dev.mesh.common.observe.MeshTracing;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.edge.ChannelSubscribers;
import dev.mesh.connection.session.Subscription;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One event loop's subscribers per channel. The node listens on a channel's live address while any
 * of its loops has subscribers: the {@link ChannelRouter} keeps one clustered consumer per channel
 * per node (registering one writes to Hazelcast, so never one per connection or per loop) and hands
 * each event to this hub on its own context. Each event is handed once to {@code fanOut} with a
 * snapshot of the channel's subscribers (a delivery may close a slow subscriber), and is serialised
 * once for all of them. When the node traces, the hand-over is a span ({@value #DELIVER_SPAN}) in
 * the trace that arrived with the event, so a publish's trace ends at its delivery.
 */
public final class ChannelHub implements ChannelSubscribers {

  /** Name of the span of an event's delivery to a channel's local subscribers. */
  public static final String DELIVER_SPAN = "mesh deliver";

  private final Context context;
  private final ChannelRouter router;
  private final BiConsumer<Envelope, List<Subscription>> fanOut;
  private final Map<String, Channel> channels = new HashMap<>();

  /** Null when the node does not trace: then delivery costs nothing more. */
  private final Tracer tracer;

  public ChannelHub(
      Vertx vertx,
      Context context,
      ChannelRouter router,
      BiConsumer<Envelope, List<Subscription>> fanOut) {
    this.context = context;
    this.router = router;
    this.fanOut = fanOut;
    this.tracer = MeshTracing.tracer(vertx);
  }

  private final class Channel {
    final Set<Subscription> subscribers = new LinkedHashSet<>();
    final Future<Void> ready;

    Channel(String name) {
      // The router's consumer may have been registered by another loop: continue on this one.
      Promise<Void> listening = Promise.promise();
      router
          .join(name, ChannelHub.this)
          .onComplete(ar -> context.runOnContext(v -> listening.handle(ar)));
      ready = listening.future();
    }
  }

  /**
   * An event of a channel, from the router's consumer (any thread): delivered on this loop, in
   * arrival order.
   */
  void receive(String channel, Envelope event) {
    if (Vertx.currentContext() == context) {
      deliverNow(channel, event);
    } else if (tracer == null) {
      context.runOnContext(v -> deliverNow(channel, event));
    } else {
      // The trace that arrived with the event lives in the consumer's context: carried over to this
      // loop.
      io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
      context.runOnContext(
          v -> {
            try (var ignored = trace.makeCurrent()) {
              deliverNow(channel, event);
            }
          });
    }
  }

  private void deliverNow(String channel, Envelope event) {
    Channel state = channels.get(channel);
    if (state != null && !state.subscribers.isEmpty()) {
      deliver(channel, event, state.subscribers);
    }
  }

  private void deliver(String channel, Envelope event, Set<Subscription> subscribers) {
    List<Subscription> snapshot = new ArrayList<>(subscribers);
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

  @Override
  public Future<Void> add(Subscription subscription) {
    Channel state = channels.computeIfAbsent(subscription.channel(), Channel::new);
    state.subscribers.add(subscription);
    return state.ready;
  }

  @Override
  public void remove(Subscription subscription) {
    String channel = subscription.channel();
    Channel state = channels.get(channel);
    if (state != null && state.subscribers.remove(subscription) && state.subscribers.isEmpty()) {
      channels.remove(channel);
      router.leave(channel, this);
    }
  }

  @Override
  public List<String> channels() {
    return List.copyOf(channels.keySet());
  }

  @Override
  public boolean listens(String channel) {
    return channels.containsKey(channel);
  }

  public int channelCount() {
    return channels.size();
  }

  @Override
  public Set<Subscription> subscribers(String channel) {
    Channel state = channels.get(channel);
    return state == null ? Set.of() : java.util.Collections.unmodifiableSet(state.subscribers);
  }
}
