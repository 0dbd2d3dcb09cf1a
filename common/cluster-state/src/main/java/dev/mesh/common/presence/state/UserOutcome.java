package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;
import java.util.List;

/**
 * What an update of one user did; only the caller whose update made an effect publishes it, so each
 * change is published once however many presence instances process the same event.
 *
 * @param reason the close reason behind the effect (null for online)
 * @param version the user's version after the update
 * @param deadline the deadline this update started ({@link UserState#NEVER} if none): the caller
 *     arms a timer
 * @param connections connections counted after the update
 * @param closed the connections this update found closed (also when they already were), with their
 *     channels, so that the caller makes them leave those channels (idempotently)
 * @param changed whether the update changed the stored state at all (visible or not)
 */
public record UserOutcome(
    Effect effect,
    CloseReason reason,
    long at,
    long version,
    long deadline,
    int connections,
    List<ClosedConnection> closed,
    boolean changed) {

  public UserOutcome {
    closed = List.copyOf(closed);
  }

  UserOutcome withClosed(List<ClosedConnection> value) {
    return new UserOutcome(effect, reason, at, version, deadline, connections, value, changed);
  }

  UserOutcome asChanged() {
    return new UserOutcome(effect, reason, at, version, deadline, connections, closed, true);
  }
}
