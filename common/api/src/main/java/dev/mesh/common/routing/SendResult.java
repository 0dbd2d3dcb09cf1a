package dev.mesh.common.routing;

import dev.mesh.common.bus.MeshMessage;

/**
 * Reply to {@link SendToUser}: the message's position in the user's stream, whether it was a
 * retried duplicate, and how many live connections it was routed to (0 is not an error: the message
 * waits in history).
 */
public record SendResult(
    String userId, String channel, String epoch, long seq, boolean duplicate, int connections)
    implements MeshMessage {}
