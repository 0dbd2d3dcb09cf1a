package dev.mesh.common.auth;

import dev.mesh.common.bus.MeshMessage;

/**
 * Reply to {@link AuthorizeRequest}; {@code reason} is shown to the client when refused; {@code
 * cacheMs > 0} lets the connection reuse the answer for the same action and channel for that long.
 */
public record AuthorizeDecision(boolean allowed, String reason, long cacheMs)
    implements MeshMessage {}
