package dev.mesh.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;
import java.time.Instant;

/**
 * One event of a channel as it travels from replay-service to connection nodes and on to clients:
 * the channel, its position {@code (epoch, seq)}, the publisher's message id {@code id} (the dedupe
 * key), the time it was appended, the application's {@code data}, whether the client must
 * acknowledge it ({@code critical}), and who published it as the server attests it: {@code userId}
 * (the verified {@code sub} of the publishing connection's token) and {@code connectionId} (that
 * connection), both null for an event a backend service published (docs/PROTOCOL.md 3.3).
 */
public record Envelope(
    String channel,
    String epoch,
    long seq,
    String id,
    Instant ts,
    JsonNode data,
    boolean critical,
    String userId,
    String connectionId)
    implements MeshMessage {

  /** An event published by a backend service (no attested user or connection). */
  public Envelope(
      String channel,
      String epoch,
      long seq,
      String id,
      Instant ts,
      JsonNode data,
      boolean critical) {
    this(channel, epoch, seq, id, ts, data, critical, null, null);
  }

  @com.fasterxml.jackson.annotation.JsonIgnore
  public Position position() {
    return new Position(epoch, seq);
  }
}
