package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;
import java.time.Instant;

/**
 * Reply to a {@link dev.mesh.common.status.StatusQuery} on {@code mesh.connection.stats.<nodeId>}:
 * what one connection node holds now, its message counters since start, and {@code ghosts}: the
 * difference between its open sockets and the registry entries naming it at the last consistency
 * check (expected 0).
 */
public record NodeStats(
    String nodeId,
    Instant startedAt,
    int connections,
    int websocket,
    int sse,
    int users,
    int channels,
    long messagesIn,
    long messagesOut,
    long messagesDropped,
    long ghosts)
    implements MeshMessage {}
