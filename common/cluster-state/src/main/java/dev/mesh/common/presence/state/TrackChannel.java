package dev.mesh.common.presence.state;

import dev.mesh.common.identity.ConnectionIdentity;

/**
 * Records on the user's connection that it joined (or left) a channel's presence, so that its close
 * makes it leave that channel. A join of a connection not yet counted counts it (its {@code
 * ConnectionOpened} may still be on the way); a join of a closed connection is refused.
 */
public final class TrackChannel extends UserUpdate<TrackChannel.Result> {

  final ConnectionIdentity identity;
  final String channel;
  final boolean member;
  final long at;
  final Timing timing;

  public TrackChannel(
      ConnectionIdentity identity, String channel, boolean member, long at, Timing timing) {
    this.identity = identity;
    this.channel = channel;
    this.member = member;
    this.at = at;
    this.timing = timing;
  }

  @Override
  UserState.Step apply(UserState current) {
    String connectionId = identity.connectionId();
    if (current.tombstone(connectionId) != null) {
      return new UserState.Step(current, null);
    }
    UserState.Step opened =
        member && current.connection(connectionId) == null
            ? current.opened(TrackedConnection.of(identity, at), at, timing)
            : null;
    UserState base = opened == null ? current : opened.next();
    UserState.Step tracked = base.tracked(connectionId, channel, member, at);
    return new UserState.Step(
        tracked.next(), opened == null ? tracked.outcome() : opened.outcome());
  }

  @Override
  Result result(UserState current, UserState.Step step) {
    return new Result(step.outcome() != null, step.outcome());
  }

  /**
   * What tracking the connection did.
   *
   * @param accepted false when the connection is known closed
   * @param opened the outcome of counting the connection (its effect is {@code NONE} when it was
   *     already counted)
   */
  public record Result(boolean accepted, UserOutcome opened) {}
}
