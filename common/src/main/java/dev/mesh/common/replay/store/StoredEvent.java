package dev.mesh.common.replay.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mesh.common.bus.Json;
import dev.mesh.common.protocol.Envelope;

import java.io.Serializable;
import java.time.Instant;

/** One event as kept in a {@link ChannelLog}: its payload as JSON text, which is compact and cheap to copy. */
public record StoredEvent(long seq, String id, long tsMillis, String json, boolean critical) implements Serializable {

  /** The event as it travels on the event bus. */
  public Envelope toEnvelope(String channel, String epoch) {
    try {
      return new Envelope(channel, epoch, seq, id, Instant.ofEpochMilli(tsMillis), Json.MAPPER.readTree(json), critical);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored event " + channel + ":" + seq + " is not JSON", e);
    }
  }
}
