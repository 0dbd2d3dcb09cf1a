package dev.mesh.common.status;

import dev.mesh.common.bus.MeshMessage;
import java.time.Instant;

/**
 * Reply to a {@link StatusQuery}: which service and node answered, since when, and its view of the
 * cluster.
 */
public record ServiceStatus(
    String service, String nodeId, String version, Instant startedAt, int clusterMembers)
    implements MeshMessage {}
