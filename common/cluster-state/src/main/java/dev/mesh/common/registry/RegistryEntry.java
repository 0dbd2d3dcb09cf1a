package dev.mesh.common.registry;

import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.io.Serializable;
import java.time.Instant;

/** One live connection as the registry knows it: its identity, transport and when it opened. */
public record RegistryEntry(ConnectionIdentity identity, Transport transport, Instant openedAt)
    implements Serializable {

  public String connectionId() {
    return identity.connectionId();
  }

  public String nodeId() {
    return identity.nodeId();
  }
}
