package dev.mesh.connection.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.connection.edge.ChannelDelivery;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Context;
import java.util.HashMap;
import java.util.Map;

/**
 * One loop's presence frames: the channel presence diffs the node's {@link PresenceRouter} hands
 * over, written as {@code presence} frames to this loop's subscribers of that channel that asked
 * for presence. Events whose version is not above the last one seen for the same channel and user
 * are stale (reordered on the bus) and dropped.
 */
public final class PresenceFeed {

  private final Context context;
  private final ChannelDelivery channels;

  /** Per channel, per user: the last version delivered. */
  private final Map<String, Map<String, Long>> lastVersion = new HashMap<>();

  /**
   * Delivers on {@code context} (the loop's) to the loop's subscribers, through {@code channels}.
   */
  public PresenceFeed(Context context, ChannelDelivery channels) {
    this.context = context;
    this.channels = channels;
  }

  /** A channel-level change, from any thread: delivered on this loop, in the order handed over. */
  void receive(PresenceChanged change) {
    context.runOnContext(v -> deliver(change));
  }

  /**
   * The node stopped listening on {@code channel} (from any thread): no more of its changes will
   * come, so the versions kept for it go.
   */
  void forget(String channel) {
    context.runOnContext(v -> lastVersion.remove(channel));
  }

  /** Channels with versions kept (tests check that they do not pile up). */
  int channelsRemembered() {
    return lastVersion.size();
  }

  private void deliver(PresenceChanged change) {
    var subscribers = channels.subscribers(change.channel());
    if (subscribers.isEmpty()) {
      lastVersion.remove(change.channel());
      return;
    }
    Map<String, Long> versions =
        lastVersion.computeIfAbsent(change.channel(), channel -> new HashMap<>());
    Long previous = versions.get(change.userId());
    if (previous != null && change.version() <= previous) {
      return;
    }
    if (change.change() == PresenceChange.LEAVE) {
      versions.remove(change.userId());
      if (versions.isEmpty()) {
        lastVersion.remove(change.channel());
      }
    } else {
      versions.put(change.userId(), change.version());
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
      if (subscription.presence()
          && !subscription.isEnded()
          && session.isOpen()
          && change.version() > subscription.presenceFloor()) {
        channels.send(session, text);
      }
    }
  }
}
