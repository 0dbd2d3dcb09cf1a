package dev.mesh.common.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;

/**
 * Published on {@link dev.mesh.common.bus.Addresses#CONNECTION_EVENTS} when a connection closed, by
 * its node, or by a surviving node with reason {@link CloseReason#NODE_LOST} when its node left the
 * cluster. {@code closeCode} is the WebSocket close code sent (absent when none could be sent).
 */
public record ConnectionClosed(
    ConnectionIdentity identity,
    Transport transport,
    Instant openedAt,
    Instant closedAt,
    CloseReason reason,
    Integer closeCode)
    implements MeshMessage {

  /**
   * How long the connection lived, in milliseconds (also in the JSON, for consumers outside Java).
   */
  @JsonProperty("durationMillis")
  public long durationMillis() {
    return closedAt.toEpochMilli() - openedAt.toEpochMilli();
  }
}
