package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Position;

/**
 * Body of {@code mesh.replay.pending}: which critical events of {@code channel} has {@code userId}
 * not acknowledged?
 *
 * @param userId the user
 * @param channel the channel
 * @param after optional lower bound: only events after this position (e.g. where the user's
 *     subscription began); ignored when its epoch is not the channel's
 * @param limit most events to return; null or larger than the maximum page size means the maximum
 *     page size
 */
public record PendingCriticalRequest(String userId, String channel, Position after, Integer limit)
    implements MeshMessage {}
