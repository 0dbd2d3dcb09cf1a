package dev.mesh.common.bus;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.PublishRequest;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Mesh codec")
class MeshCodecTest {

  private final MeshCodec codec = new MeshCodec();

  @Test
  @DisplayName("round-trips a record through its wire form, at any buffer offset")
  void roundTrip() {
    Envelope envelope =
        new Envelope(
            "room:1",
            "e1",
            42,
            "m-1",
            Instant.parse("2026-11-21T10:00:00Z"),
            JsonNodeFactory.instance.objectNode().put("text", "héllo"),
            true);
    Buffer buffer = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(buffer, envelope);
    MeshMessage decoded = codec.decodeFromWire(6, buffer);
    assertThat(decoded).isEqualTo(envelope);
    assertThat(((Envelope) decoded).position()).isEqualTo(new Position("e1", 42));
  }

  @Test
  @DisplayName(
      "a shared message has its inner message's wire form (encoded once) and is delivered locally as it")
  void shared() {
    Envelope envelope =
        new Envelope(
            "room:1",
            "e1",
            7,
            "m-7",
            Instant.parse("2026-11-21T10:00:00Z"),
            JsonNodeFactory.instance.objectNode().put("n", 7),
            false);
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
  @DisplayName(
      "refuses to decode a class that is not a MeshMessage, even if it exists: an Undecodable says why")
  void refusesForeignClasses() {
    byte[] type = "java.lang.Runtime".getBytes(UTF_8);
    Buffer buffer =
        Buffer.buffer()
            .appendShort((short) type.length)
            .appendBytes(type)
            .appendInt(2)
            .appendString("{}");
    assertThat(codec.decodeFromWire(0, buffer))
        .isInstanceOfSatisfying(
            Undecodable.class, u -> assertThat(u.reason()).contains("is not a MeshMessage"));
  }

  @Test
  @DisplayName("writes the documented layout: 2-byte length, class name, 4-byte length, UTF-8 JSON")
  void documentedLayout() {
    PublishRequest request =
        new PublishRequest(
            "room:1", "m-1", JsonNodeFactory.instance.objectNode().put("t", "é"), false);
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, request);
    String type = PublishRequest.class.getName();
    assertThat(buffer.getUnsignedShort(0)).isEqualTo(type.length());
    assertThat(buffer.getString(2, 2 + type.length(), "UTF-8")).isEqualTo(type);
    long jsonLength = buffer.getUnsignedInt(2 + type.length());
    assertThat(2 + type.length() + 4 + jsonLength).isEqualTo(buffer.length());
    String json = buffer.getString(2 + type.length() + 4, buffer.length(), "UTF-8");
    assertThat(json).isEqualTo(Json.encode(request));
  }

  @Test
  @DisplayName(
      "never throws on bytes that do not follow the layout: each gives an Undecodable with the reason")
  void truncatedOrInconsistentBytes() {
    byte[] type = PublishRequest.class.getName().getBytes(UTF_8);
    assertThat(reason(Buffer.buffer())).contains("no class-name length");
    assertThat(reason(Buffer.buffer().appendByte((byte) 1))).contains("no class-name length");
    assertThat(reason(Buffer.buffer().appendShort((short) 500).appendString("x")))
        .contains("class-name length 500");
    assertThat(reason(Buffer.buffer().appendShort((short) 0).appendInt(0)))
        .contains("class-name length 0");
    assertThat(
            reason(
                Buffer.buffer().appendShort((short) type.length).appendBytes(type).appendInt(-1)))
        .contains("JSON length 4294967295");
    assertThat(
            reason(
                Buffer.buffer()
                    .appendShort((short) 9)
                    .appendString("com.x.Nop")
                    .appendInt(2)
                    .appendString("{}")))
        .contains("unknown message type com.x.Nop");
    assertThat(
            reason(
                Buffer.buffer()
                    .appendShort((short) type.length)
                    .appendBytes(type)
                    .appendInt(15)
                    .appendString("{\"channel\": [1]")))
        .contains("cannot decode PublishRequest");
  }

  private String reason(Buffer buffer) {
    return ((Undecodable) codec.decodeFromWire(0, buffer)).reason();
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

  @Test
  @DisplayName(
      "the warm-up finds the message types of every package by their names, and only concrete ones")
  void findsEveryMessageType() {
    List<Class<? extends MeshMessage>> types = MeshCodec.messageTypes();
    assertThat(types)
        .contains(
            dev.mesh.common.auth.AuthorizeRequest.class,
            dev.mesh.common.connection.KickRequest.class,
            dev.mesh.common.events.ConnectionOpened.class,
            dev.mesh.common.presence.ChannelMembership.class,
            Envelope.class,
            dev.mesh.common.replay.HistoryPage.class,
            dev.mesh.common.routing.Delivery.class,
            dev.mesh.common.status.ServiceStatus.class)
        .doesNotContain(MeshCodec.Shared.class, Undecodable.class)
        .allMatch(type -> !type.isInterface());
    assertThat(types).as("41 message types when this test was written").hasSizeGreaterThan(40);
    MeshCodec.warmUp();
  }
}
