package dev.mesh.common.replay.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mesh.common.bus.Json;
import dev.mesh.common.protocol.Envelope;
import java.time.Instant;

/**
 * One event as kept in a {@link ChannelLog}: its payload as JSON text, which is compact and cheap
 * to copy, and the attested publisher ({@code userId}, {@code connectionId}; null for a service's
 * publish).
 */
public record StoredEvent(
    long seq,
    String id,
    long tsMillis,
    String json,
    boolean critical,
    String userId,
    String connectionId) {

  /** An event a service published. */
  public StoredEvent(long seq, String id, long tsMillis, String json, boolean critical) {
    this(seq, id, tsMillis, json, critical, null, null);
  }

  /** The event as it travels on the event bus. */
  public Envelope toEnvelope(String channel, String epoch) {
    try {
      return new Envelope(
          channel,
          epoch,
          seq,
          id,
          Instant.ofEpochMilli(tsMillis),
          Json.MAPPER.readTree(json),
          critical,
          userId,
          connectionId);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored event " + channel + ":" + seq + " is not JSON", e);
    }
  }
}
