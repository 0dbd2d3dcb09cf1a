package dev.mesh.common.presence.state;

/**
 * Fires a user's deadline if it is due at {@code now}, and only then: the removal of the deadline
 * and the offline happen in one atomic update, so however many instances try, the offline happens
 * once. Returns null when nothing was due.
 */
public final class ExpireUser extends UserUpdate<UserOutcome> {

  final long now;
  final Timing timing;

  public ExpireUser(long now, Timing timing) {
    this.now = now;
    this.timing = timing;
  }

  @Override
  UserState.Step apply(UserState current) {
    return current.expired(now, timing);
  }

  @Override
  UserOutcome result(UserState current, UserState.Step step) {
    return step.outcome().effect() == Effect.NONE ? null : step.outcome();
  }
}
