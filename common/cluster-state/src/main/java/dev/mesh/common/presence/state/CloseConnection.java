package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;

/**
 * A connection closed (from {@code ConnectionClosed}, or found a ghost by reconciliation).
 * Idempotent.
 */
public final class CloseConnection extends UserUpdate<UserOutcome> {

  final String connectionId;
  final CloseReason reason;
  final long at;
  final Timing timing;

  public CloseConnection(String connectionId, CloseReason reason, long at, Timing timing) {
    this.connectionId = connectionId;
    this.reason = reason;
    this.at = at;
    this.timing = timing;
  }

  @Override
  UserState.Step apply(UserState current) {
    return current.closed(connectionId, reason, at, timing);
  }
}
