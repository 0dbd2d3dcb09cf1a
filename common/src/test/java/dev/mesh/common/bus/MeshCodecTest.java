package dev.mesh.common.bus;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The Mesh codec")
class MeshCodecTest {

  private final MeshCodec codec = new MeshCodec();

  @Test
  @DisplayName("round-trips a record through its wire form, at any buffer offset")
  void roundTrip() {
    Envelope envelope = new Envelope("room:1", "e1", 42, "m-1", Instant.parse("2026-11-21T10:00:00Z"),
        JsonNodeFactory.instance.objectNode().put("text", "héllo"), true);
    Buffer buffer = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(buffer, envelope);
    MeshMessage decoded = codec.decodeFromWire(6, buffer);
    assertThat(decoded).isEqualTo(envelope);
    assertThat(((Envelope) decoded).position()).isEqualTo(new Position("e1", 42));
  }

  @Test
  @DisplayName("a shared message has its inner message's wire form (encoded once) and is delivered locally as it")
  void shared() {
    Envelope envelope = new Envelope("room:1", "e1", 7, "m-7", Instant.parse("2026-11-21T10:00:00Z"),
        JsonNodeFactory.instance.objectNode().put("n", 7), false);
    MeshCodec.Shared shared = new MeshCodec.Shared(envelope);
    Buffer plain = Buffer.buffer();
    codec.encodeToWire(plain, envelope);
    Buffer first = Buffer.buffer();
    Buffer second = Buffer.buffer();
    codec.encodeToWire(first, shared);
    codec.encodeToWire(second, shared);
    assertThat(first).isEqualTo(plain);
    assertThat(second).isEqualTo(plain);
    assertThat(codec.decodeFromWire(0, first)).isEqualTo(envelope);
    assertThat(codec.transform(shared)).isSameAs(envelope);
  }

  @Test
  @DisplayName("refuses to decode a class that is not a MeshMessage, even if it exists")
  void refusesForeignClasses() {
    byte[] type = "java.lang.Runtime".getBytes();
    Buffer buffer = Buffer.buffer().appendShort((short) type.length).appendBytes(type).appendInt(2).appendString("{}");
    assertThatThrownBy(() -> codec.decodeFromWire(0, buffer)).hasMessageContaining("is not a MeshMessage");
  }

  @Test
  @DisplayName("positions parse from and print to their compact form, with clear errors")
  void positionCompactForm() {
    assertThat(Position.parse("abc:17")).isEqualTo(new Position("abc", 17));
    assertThat(new Position("abc", 17).compact()).isEqualTo("abc:17");
    assertThatThrownBy(() -> Position.parse("abc")).hasMessageContaining("<epoch>:<seq>");
    assertThatThrownBy(() -> Position.parse("abc:x")).hasMessageContaining("seq must be a number");
    assertThatThrownBy(() -> Position.parse("abc:-1")).hasMessageContaining("seq must be >= 0");
  }
}
