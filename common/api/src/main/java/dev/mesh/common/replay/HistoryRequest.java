package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Position;

/**
 * Body of {@code mesh.replay.history}: the events of {@code channel} after {@code after}, oldest
 * first.
 *
 * @param channel channel name
 * @param after the last position the caller has; null means "from the oldest retained event"
 * @param limit most events to return; null means the service's maximum page size, 0 returns no
 *     events (only the channel's epoch and head), larger than the maximum page size is lowered to
 *     it
 */
public record HistoryRequest(String channel, Position after, Integer limit)
    implements MeshMessage {}
