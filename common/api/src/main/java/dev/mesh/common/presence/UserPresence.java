package dev.mesh.common.presence;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.events.CloseReason;
import java.time.Instant;

/**
 * One user's presence. An unknown user is {@code offline} with no connections and no {@code since}.
 *
 * @param status online, reconnecting or offline
 * @param since when the status last changed (absent for a user never seen or long forgotten)
 * @param connections open connections counted, across every node
 * @param offlineAt the pending deadline when the last connection closed: during the debounce
 *     (status still {@code online}) or the grace period ({@code reconnecting}); absent otherwise
 * @param reason the close reason that started the pending offline, or made the user offline
 * @param version increases with every change of this user (the {@code version} of its {@link
 *     PresenceChanged})
 */
public record UserPresence(
    String userId,
    PresenceStatus status,
    Instant since,
    int connections,
    Instant offlineAt,
    CloseReason reason,
    long version)
    implements MeshMessage {

  public static UserPresence unknown(String userId) {
    return new UserPresence(userId, PresenceStatus.OFFLINE, null, 0, null, null, 0);
  }
}
