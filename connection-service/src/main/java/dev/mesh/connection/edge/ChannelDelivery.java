package dev.mesh.connection.edge;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import java.util.List;
import java.util.Set;

/**
 * What the node's bus consumers deliver through on one event loop: its subscribers per channel, and
 * frames and events to its sessions. Used on the loop's own context only.
 */
public interface ChannelDelivery {

  /** The channels this loop has subscribers of now (a copy). */
  List<String> channels();

  /**
   * The loop's subscriptions to a channel (read-only view; empty if none), each knowing its
   * session.
   */
  Set<Subscription> subscribers(String channel);

  /** Queues a frame to a session, with the session's backpressure. */
  void send(Session session, String frame);

  /** An event addressed to connections of this loop (a user channel's, or a server push). */
  void deliverDirect(Envelope event, List<String> connectionIds);

  /**
   * Ends a session's subscription to a channel without a reply to the client; false when it had
   * none.
   */
  boolean detach(Session session, String channel);
}
