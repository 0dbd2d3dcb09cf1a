package dev.mesh.common.presence.state;

import dev.mesh.common.identity.ConnectionIdentity;

/**
 * A connection opened (from {@code ConnectionOpened}). Idempotent by connection id; ignored once it
 * has closed.
 */
public final class OpenConnection extends UserUpdate<UserOutcome> {

  final ConnectionIdentity identity;
  final long openedAt;
  final long at;
  final Timing timing;

  public OpenConnection(ConnectionIdentity identity, long openedAt, long at, Timing timing) {
    this.identity = identity;
    this.openedAt = openedAt;
    this.at = at;
    this.timing = timing;
  }

  @Override
  UserState.Step apply(UserState current) {
    return current.opened(TrackedConnection.of(identity, openedAt), at, timing);
  }
}
