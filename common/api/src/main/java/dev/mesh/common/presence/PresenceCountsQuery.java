package dev.mesh.common.presence;

import dev.mesh.common.bus.MeshMessage;

/**
 * Request on {@link dev.mesh.common.bus.Addresses#PRESENCE_QUERY}: cluster-wide counts. {@code
 * from} names the asking node, for logs. Reply {@link PresenceCounts}.
 */
public record PresenceCountsQuery(String from) implements MeshMessage {}
