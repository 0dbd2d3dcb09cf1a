package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;

/**
 * Request on {@code mesh.connection.kick}: {@code connectionId} alone kicks one connection; {@code
 * userId} kicks all of that user's connections, narrowed by {@code sessionId} when given; neither
 * is a 400. Each gets {@code goodbye} (reason {@code kicked}, {@code message}) and close 4505.
 */
public record KickRequest(String userId, String sessionId, String connectionId, String message)
    implements MeshMessage {}
