package dev.mesh.common.routing;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.events.CloseReason;
import java.util.List;

/**
 * Node inbox request: send {@code goodbye} and close each listed local connection with {@code code}
 * (4504 when a newer connection of the same page replaced it, 4505 for a kick). Replies {@link
 * dev.mesh.common.connection.KickResult} with the number actually closed.
 */
public record CloseConnections(
    List<String> connectionIds, int code, CloseReason reason, Long retryAfterMs, String message)
    implements MeshMessage {}
