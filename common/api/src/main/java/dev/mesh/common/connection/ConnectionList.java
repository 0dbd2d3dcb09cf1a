package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;
import java.util.List;

/** Reply to {@link ConnectionQuery}: the registry's entries for the user, oldest first. */
public record ConnectionList(String userId, List<Entry> connections) implements MeshMessage {

  /** One live connection. */
  public record Entry(ConnectionIdentity identity, Transport transport, Instant openedAt) {}
}
