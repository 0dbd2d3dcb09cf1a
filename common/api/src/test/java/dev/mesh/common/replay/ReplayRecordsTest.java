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

  private static Envelope critical(long seq) {
    return new Envelope(
        "room:1",
        "e1",
        seq,
        "m" + seq,
        Instant.parse("2026-11-21T10:00:00Z"),
        JsonNodeFactory.instance.numberNode((int) seq),
        true);
  }

  @Test
  @DisplayName(
      "a shared resume-acks reply gives a user its own range, whatever another user's read added")
  void resumeAcksSliceIsTheUsersRange() {
    // Event 2 was pushed out of history between two cursor reads: it is in the list for u2, whose
    // cursor was read first, but not among u1's three. Counting it against u1's limit of 3 would
    // leave u1's event 5 out of its slice while "more" says nothing is missing.
    ResumeAcks reply =
        new ResumeAcks(
            "room:1",
            "e1",
            3,
            List.of(critical(2), critical(3), critical(4), critical(5), critical(6)),
            List.of(
                new ResumeAcks.User("u1", "e1", 1, false, 5L, 3),
                new ResumeAcks.User("u2", "e1", 1, true, 4L, 3),
                new ResumeAcks.User("u3", "e1", 6, false, 6L, 0),
                new ResumeAcks.User("old", "e1", 1, false, null, null),
                // Cut by the byte bound after its own 3 and 4 (5 is left out): event 2 fills its
                // slice to the limit, yet only two of the three are its own.
                new ResumeAcks.User("cut", "e1", 1, true, 4L, 2)));
    ResumeAcks.User u1 = reply.users().get(0);
    assertThat(reply.pendingOf(u1).events())
        .extracting(Envelope::seq)
        .containsExactly(2L, 3L, 4L, 5L);
    assertThat(reply.cutShort(u1, reply.pendingOf(u1))).isFalse();
    ResumeAcks.User u2 = reply.users().get(1);
    assertThat(reply.pendingOf(u2).events()).extracting(Envelope::seq).containsExactly(2L, 3L, 4L);
    assertThat(reply.cutShort(u2, reply.pendingOf(u2)))
        .as("more, with the limit of its own: the rest waits for a later subscription")
        .isFalse();
    assertThat(reply.pendingOf(reply.users().get(2)).events()).isEmpty();
    ResumeAcks.User old = reply.users().get(3);
    assertThat(reply.pendingOf(old).events())
        .as("a reply from a replay-service without through: the first limit above the ack")
        .extracting(Envelope::seq)
        .containsExactly(2L, 3L, 4L);
    ResumeAcks.User cut = reply.users().get(4);
    assertThat(reply.pendingOf(cut).events()).extracting(Envelope::seq).containsExactly(2L, 3L, 4L);
    assertThat(reply.ownCount(cut, reply.pendingOf(cut))).isEqualTo(2);
    assertThat(reply.cutShort(cut, reply.pendingOf(cut)))
        .as("cut by the bound: read on after 4, although the slice holds the limit")
        .isTrue();
    assertThat(roundTrip(reply)).isEqualTo(reply);
  }
}
