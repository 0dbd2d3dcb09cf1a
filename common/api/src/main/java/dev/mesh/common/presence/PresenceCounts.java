package dev.mesh.common.presence;

import dev.mesh.common.bus.MeshMessage;
import java.time.Instant;

/**
 * Reply to {@link PresenceCountsQuery}: users {@code online} (debounce included) and {@code
 * reconnecting}, and the open connections counted, across the cluster, as computed at {@code at}.
 */
public record PresenceCounts(long online, long reconnecting, long connections, Instant at)
    implements MeshMessage {}
