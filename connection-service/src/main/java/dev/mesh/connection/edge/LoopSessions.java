package dev.mesh.connection.edge;

import dev.mesh.common.events.CloseReason;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import java.util.Collection;

/**
 * The sessions of one event loop, and how to end them: what the heartbeat sweep, the quorum guard
 * and the node's bus consumers need of a loop. Used on the loop's own context only.
 */
public interface LoopSessions {

  /** Every session of the loop, opening ones included. */
  Collection<Session> allSessions();

  /** The loop's session with this connection id, or null. */
  Session session(String connectionId);

  /** The loop's sessions of one user. */
  Collection<Session> sessionsOf(String userId);

  /**
   * Server-initiated close: goodbye (when the socket is usable), then the close frame. Closing
   * twice is harmless.
   */
  void close(Session session, Disconnect disconnect);

  /** As {@link #close}, without a goodbye: for a peer that cannot take one (a silent one). */
  void closeWithoutGoodbye(Session session, Disconnect disconnect);

  /**
   * Closes every open session with goodbye + 1001 and a jittered retry hint; returns how many were
   * closed.
   */
  int closeAll(CloseReason reason, String message);
}
