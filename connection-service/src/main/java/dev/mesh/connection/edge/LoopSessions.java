package dev.mesh.connection.edge;

import dev.mesh.common.events.CloseReason;
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
   * Server-initiated close: goodbye (when asked and the socket is usable), then the close frame.
   */
  void close(Session session, CloseReason reason, int code, String message, boolean goodbye);

  /** As {@link #close(Session, CloseReason, int, String, boolean)}, with a retry hint (or null). */
  void close(
      Session session,
      CloseReason reason,
      int code,
      String message,
      boolean goodbye,
      Long retryAfterMs);

  /**
   * Closes every open session with goodbye + 1001 and a jittered retry hint; returns how many were
   * closed.
   */
  int closeAll(CloseReason reason, String message);
}
