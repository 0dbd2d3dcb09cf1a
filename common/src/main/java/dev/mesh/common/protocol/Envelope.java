package dev.mesh.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;

import java.time.Instant;

/**
 * One event of a channel as it travels from replay-service to connection nodes and on to clients: the channel, its
 * position {@code (epoch, seq)}, the publisher's message id {@code id} (the dedupe key), the time it was appended,
 * the application's {@code data}, and whether the client must acknowledge it ({@code critical}).
 */
public record Envelope(
    String channel,
    String epoch,
    long seq,
    String id,
    Instant ts,
    JsonNode data,
    boolean critical) implements MeshMessage {

  @com.fasterxml.jackson.annotation.JsonIgnore
  public Position position() {
    return new Position(epoch, seq);
  }
}
