package dev.mesh.common.events;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;

/**
 * Published on {@link dev.mesh.common.bus.Addresses#CONNECTION_EVENTS} when a connection is
 * authenticated, registered and open.
 */
public record ConnectionOpened(ConnectionIdentity identity, Transport transport, Instant openedAt)
    implements MeshMessage {}
