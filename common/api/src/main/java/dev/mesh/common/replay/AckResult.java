package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;

/**
 * Reply to {@code mesh.replay.ack}: the user's stored ack position for the channel after the call.
 */
public record AckResult(String userId, String channel, String epoch, long seq)
    implements MeshMessage {}
