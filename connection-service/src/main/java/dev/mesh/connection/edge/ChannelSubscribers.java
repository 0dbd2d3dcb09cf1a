package dev.mesh.connection.edge;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One loop's subscribers per channel, heard on the cluster while the loop has any. The edge needs
 * only this; routing implements it (with one clustered consumer per channel per node), so the edge
 * does not depend on how channels are routed. A subscriber is a {@link Subscription} (which knows
 * its session): a delivery then needs no look-up of the channel in each session.
 */
public interface ChannelSubscribers {

  /** Makes one loop's, on that loop's context. */
  @FunctionalInterface
  interface Factory {
    /**
     * {@code fanOut} is handed each live event of a channel with a snapshot of its subscribers on
     * this loop.
     */
    ChannelSubscribers create(Context context, BiConsumer<Envelope, List<Subscription>> fanOut);
  }

  /**
   * Adds a subscriber of its channel; the future completes once this node receives the channel's
   * live events.
   */
  Future<Void> add(Subscription subscription);

  /** Removes that very subscription (not another one of its session and channel). */
  void remove(Subscription subscription);

  /** The channels this loop has subscribers of now (a copy). */
  List<String> channels();

  /** Whether this loop already has subscribers of the channel. */
  boolean listens(String channel);

  /** Local subscribers of a channel (read-only view; empty if none). */
  Set<Subscription> subscribers(String channel);
}
