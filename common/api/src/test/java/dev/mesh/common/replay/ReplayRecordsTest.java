package dev.mesh.common.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.MeshCodec;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The replay-service records on the wire")
class ReplayRecordsTest {

  private final MeshCodec codec = new MeshCodec();

  private MeshMessage roundTrip(MeshMessage message) {
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, message);
    return codec.decodeFromWire(0, buffer);
  }

  @Test
  @DisplayName("keep every field, reset causes and absent positions included")
  void roundTrip() {
    Envelope event =
        new Envelope(
            "room:1",
            "e1",
            7,
            "m7",
            Instant.parse("2026-11-21T10:00:00Z"),
            JsonNodeFactory.instance.objectNode().put("text", "hi"),
            true);
    List<MeshMessage> messages =
        List.of(
            new PublishRequest("room:1", "m7", JsonNodeFactory.instance.arrayNode().add(1), true),
            new PublishResult("room:1", "e1", 7, Instant.parse("2026-11-21T10:00:00Z"), true),
            new HistoryRequest("room:1", new Position("e1", 6), 10),
            new HistoryRequest("room:1", null, null),
            new HistoryPage("room:1", "e1", 7, List.of(event), false, null, new Position("e1", 7)),
            new HistoryPage(
                "room:1",
                "e2",
                3,
                List.of(),
                false,
                ResetCause.POSITION_TOO_OLD,
                new Position("e2", 3)),
            new AckRequest("u1", "user:u1", "e1", 7),
            new AckResult("u1", "user:u1", "e1", 7),
            new PendingCriticalRequest("u1", "user:u1", new Position("e1", 2), 5),
            new PendingCritical("user:u1", "e1", 6, List.of(event), true));
    for (MeshMessage message : messages) {
      assertThat(roundTrip(message)).isEqualTo(message);
    }
    assertThat(((HistoryPage) roundTrip(messages.get(5))).mustReset()).isTrue();
  }
}
