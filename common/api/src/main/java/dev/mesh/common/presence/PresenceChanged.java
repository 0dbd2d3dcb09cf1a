package dev.mesh.common.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.events.CloseReason;
import java.time.Instant;

/**
 * Published on {@link dev.mesh.common.bus.Addresses#PRESENCE_EVENTS}, exactly once per change, by
 * the presence-service instance whose atomic update made the change.
 *
 * @param channel null for a user-level change ({@code online}, {@code reconnecting}, {@code
 *     offline}); else the channel whose member changed ({@code join}, {@code reconnecting}, {@code
 *     leave})
 * @param reason the close reason behind a {@code reconnecting}, {@code offline} or {@code leave};
 *     absent for an explicit leave (unsubscribe) and for {@code online}/{@code join}
 * @param info the member's info (channel level only, when it has some)
 * @param version increases per user (user level) and per channel (channel level, hence per channel
 *     and user), also across the state being forgotten: drop an event whose version is not above
 *     the last one seen
 */
public record PresenceChanged(
    String userId,
    String channel,
    PresenceChange change,
    CloseReason reason,
    JsonNode info,
    Instant at,
    long version)
    implements MeshMessage {}
