package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;

/**
 * Body of {@code mesh.replay.ack}: user {@code userId} acknowledges every critical event of {@code channel} up to and
 * including {@code seq} of {@code epoch} (cumulative, like a TCP ack). Acks never move backwards within an epoch.
 */
public record AckRequest(String userId, String channel, String epoch, long seq) implements MeshMessage {
}
