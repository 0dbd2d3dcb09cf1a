package dev.mesh.common.replay.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.internal.nio.BufferObjectDataInput;
import com.hazelcast.internal.nio.BufferObjectDataOutput;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.nio.serialization.StreamSerializer;
import dev.mesh.common.replay.ResetCause;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replay's values, processors and results travel in their own binary form, not Java serialization,
 * and lose nothing.
 */
class ReplaySerializersTest {

  private static final ChannelPolicy POLICY = new ChannelPolicy(10, 60_000, 30_000, 100, 3_600_000);
  private static final long T0 = 1_700_000_000_000L;

  private final SerializationConfig config = new SerializationConfig();
  private final InternalSerializationService service;

  ReplaySerializersTest() {
    ReplaySerializers.register(config);
    service = new DefaultSerializationServiceBuilder().setConfig(config).build();
  }

  private <T> T roundTrip(T value, int expectedType) {
    Data data = service.toData(value);
    assertThat(data.getType())
        .as("serializer type id of %s", value.getClass().getSimpleName())
        .isEqualTo(expectedType);
    return service.toObject(data);
  }

  private static ChannelLog log() {
    ChannelLog log = new ChannelLog("ep-1");
    for (int i = 1; i <= 15; i++) {
      log.append("m" + i, "p m" + i, "{\"n\":" + i + ",\"t\":\"é\"}", i % 3 == 0, T0 + i, POLICY);
    }
    return log;
  }

  @Test
  void aLogKeepsItsEventsIdsAndHead() {
    ChannelLog original = log();
    ChannelLog copy = roundTrip(original, ReplaySerializers.CHANNEL_LOG);
    assertThat(copy.epoch()).isEqualTo("ep-1");
    assertThat(copy.head()).isEqualTo(15);
    assertThat(copy.recentIds()).isEqualTo(original.recentIds());
    assertThat(copy.read(null, 0, 100, T0 + 20, POLICY))
        .isEqualTo(original.read(null, 0, 100, T0 + 20, POLICY));
    // The copy dedupes and appends exactly as the original does.
    AppendResult duplicate = copy.append("m14", "p m14", "{}", false, T0 + 21, POLICY);
    assertThat(duplicate.duplicate()).isTrue();
    assertThat(duplicate.seq()).isEqualTo(14);
    assertThat(copy.append("m16", "p m16", "{}", false, T0 + 22, POLICY).seq()).isEqualTo(16);
  }

  @Test
  void resultsSurviveTheRoundTrip() {
    ReadResult page = log().read("ep-1", 8, 4, T0 + 20, POLICY);
    assertThat(page.events()).hasSize(4);
    assertThat(roundTrip(page, ReplaySerializers.READ_RESULT)).isEqualTo(page);
    ReadResult reset = log().read("ep-0", 8, 4, T0 + 20, POLICY);
    assertThat(reset.reset()).isEqualTo(ResetCause.EPOCH_CHANGED);
    assertThat(roundTrip(reset, ReplaySerializers.READ_RESULT)).isEqualTo(reset);
    AppendResult fresh = new AppendResult("ep-1", 3, T0, false, 3, null);
    assertThat(roundTrip(fresh, ReplaySerializers.APPEND_RESULT)).isEqualTo(fresh);
    AppendResult duplicate =
        new AppendResult("ep-1", 3, T0, true, 3, new StoredEvent(3, "m3", T0, "{}", true));
    assertThat(roundTrip(duplicate, ReplaySerializers.APPEND_RESULT)).isEqualTo(duplicate);
    AckMark ack = new AckMark("ep-1", 7);
    assertThat(roundTrip(ack, ReplaySerializers.ACK_MARK)).isEqualTo(ack);
  }

  @Test
  void processorsBehaveTheSameAfterTheRoundTrip() {
    Map.Entry<String, ChannelLog> slot = new AbstractMap.SimpleEntry<>("room:1", null);
    ReadEvents read = new ReadEvents("ep-1", 12, 2, T0 + 20, POLICY);
    assertThat(roundTrip(read, ReplaySerializers.READ_EVENTS).process(slot)).isNull();
    slot.setValue(log());
    assertThat(roundTrip(read, ReplaySerializers.READ_EVENTS).process(slot))
        .isEqualTo(read.process(slot));
    ReadEvents fromOldest = new ReadEvents(null, 0, 100, T0 + 20, POLICY);
    assertThat(roundTrip(fromOldest, ReplaySerializers.READ_EVENTS).process(slot))
        .isEqualTo(fromOldest.process(slot));

    ReadCritical critical =
        new ReadCritical(new AckMark("ep-1", 9), "ep-1", 3, 10, T0 + 20, POLICY);
    assertThat(roundTrip(critical, ReplaySerializers.READ_CRITICAL).process(slot))
        .isEqualTo(critical.process(slot));
    ReadCritical noAck = new ReadCritical(null, null, 0, 10, T0 + 20, POLICY);
    assertThat(roundTrip(noAck, ReplaySerializers.READ_CRITICAL).process(slot))
        .isEqualTo(noAck.process(slot));

    ReserveCreation reserve =
        roundTrip(new ReserveCreation(3, 60_000, T0), ReplaySerializers.RESERVE_CREATION);
    assertThat(List.of(reserve.limit, reserve.windowMillis, reserve.nowMillis))
        .containsExactly(3, 60_000L, T0);
    assertThat(roundTrip(new CreationCount(T0, 2), ReplaySerializers.CREATION_COUNT))
        .isEqualTo(new CreationCount(T0, 2));
  }

  @Test
  void storedEventsKeepTheirAttestedPublisher() {
    ChannelLog log = new ChannelLog("ep-7");
    log.append("m1", "user:ann m1", "{\"t\":1}", false, "ann", "conn-1", T0, POLICY);
    log.append("m2", "bus m2", "{\"t\":2}", false, null, null, T0 + 1, POLICY);
    ChannelLog copy = roundTrip(log, ReplaySerializers.CHANNEL_LOG);
    ReadResult events = copy.read(null, 0, 10, T0 + 2, POLICY);
    assertThat(events.events()).extracting(StoredEvent::userId).containsExactly("ann", null);
    assertThat(events.events())
        .extracting(StoredEvent::connectionId)
        .containsExactly("conn-1", null);
    assertThat(events.events().get(0).toEnvelope("c", "ep-7").userId()).isEqualTo("ann");
  }

  @Test
  void appendAndAckProcessorsKeepTheirArguments() {
    AppendEvent append =
        roundTrip(
            new AppendEvent(
                "m1", "user:é", "{\"a\":1}", true, T0, "ep-5", POLICY, "é", "conn-2", false),
            ReplaySerializers.APPEND_EVENT);
    assertThat(List.of(append.userId, append.connectionId)).containsExactly("é", "conn-2");
    assertThat(append.mayCreate).isFalse();
    assertThat(List.of(append.id, append.publisher, append.json, append.newEpoch))
        .containsExactly("m1", "user:é", "{\"a\":1}", "ep-5");
    assertThat(append.critical).isTrue();
    assertThat(append.nowMillis).isEqualTo(T0);
    assertThat(append.policy).isEqualTo(POLICY);
    AdvanceAck advance =
        roundTrip(
            new AdvanceAck(new AckMark("ep-1", 4), 60_000, true), ReplaySerializers.ADVANCE_ACK);
    assertThat(advance.ack).isEqualTo(new AckMark("ep-1", 4));
    assertThat(advance.ttlMillis).isEqualTo(60_000);
    assertThat(advance.initial).isTrue();
  }

  @Test
  void oneEpochsCursorIsStoredInTheOldAckMarkFormat() throws IOException {
    AckMark mark = new AckMark("ep-1", 4);
    Object stored = AckCursors.of(mark).stored();
    assertThat(stored).isInstanceOf(AckMark.class).isEqualTo(mark);
    Data data = service.toData(stored);
    assertThat(data.getType()).isEqualTo(ReplaySerializers.ACK_MARK).isEqualTo(1209);
    assertThat(HexFormat.of().formatHex(data.toByteArray()))
        .as("the bytes members before cursors per epoch wrote for an AckMark")
        .isEqualTo(
            "00000000" // partition hash: none
                + "000004b9" // type id 1209
                + "00000004" // epoch: its length in UTF-8 bytes...
                + "65702d31" // ..."ep-1"
                + "0000000000000004"); // seq
    // Decoded as the old reader did: the epoch, then the seq.
    BufferObjectDataInput in = service.createObjectDataInput(data);
    assertThat(in.readString()).isEqualTo("ep-1");
    assertThat(in.readLong()).isEqualTo(4);
    assertThat(in.position()).isEqualTo(data.toByteArray().length);
    assertThat(AckCursors.from(service.toObject(data))).isEqualTo(AckCursors.of(mark));
    AckCursors two = AckCursors.of(mark).with(new AckMark("ep-2", 1));
    assertThat(service.toData(two.stored()).getType()).isEqualTo(ReplaySerializers.ACK_CURSORS);
  }

  /** AckCursors as written by hand: a count, then that many epochs and seqs. */
  private AckCursors readCursors(int size, String... epochs) throws IOException {
    BufferObjectDataOutput out = service.createObjectDataOutput();
    out.writeInt(size);
    for (String epoch : epochs) {
      out.writeString(epoch);
      out.writeLong(1);
    }
    @SuppressWarnings("unchecked")
    StreamSerializer<AckCursors> serializer =
        (StreamSerializer<AckCursors>)
            config.getSerializerConfigs().stream()
                .filter(c -> c.getTypeClass() == AckCursors.class)
                .map(SerializerConfig::getImplementation)
                .findFirst()
                .orElseThrow();
    assertThat(serializer.getTypeId()).isEqualTo(ReplaySerializers.ACK_CURSORS);
    return serializer.read(service.createObjectDataInput(out.toByteArray()));
  }

  @Test
  void handWrittenCursorsAreRead() throws IOException {
    assertThat(readCursors(2, "ep-2", "ep-1"))
        .isEqualTo(new AckCursors(List.of(new AckMark("ep-2", 1), new AckMark("ep-1", 1))));
  }

  @ParameterizedTest(name = "size {0}")
  @ValueSource(ints = {0, 5, -1})
  void cursorsOfAnImpossibleSizeAreRefused(int size) {
    String[] epochs = size == 5 ? new String[] {"a", "b", "c", "d", "e"} : new String[0];
    assertThatThrownBy(() -> readCursors(size, epochs))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("was " + size);
  }

  @Test
  void twoCursorsOfOneEpochAreRefused() {
    assertThatThrownBy(
            () -> new AckCursors(List.of(new AckMark("ep-1", 3), new AckMark("ep-1", 5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one cursor per epoch");
    assertThatThrownBy(() -> readCursors(3, "ep-2", "ep-1", "ep-2"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("one cursor per epoch");
  }

  @Test
  void ackCursorsKeepEveryEpochInOrder() {
    AckCursors one = AckCursors.of(new AckMark("ep-1", 4));
    assertThat(roundTrip(one, ReplaySerializers.ACK_CURSORS)).isEqualTo(one);
    AckCursors several = one.with(new AckMark("ép-2", 0)).with(new AckMark("ep-3", Long.MAX_VALUE));
    AckCursors copy = roundTrip(several, ReplaySerializers.ACK_CURSORS);
    assertThat(copy).isEqualTo(several);
    assertThat(copy.marks())
        .extracting(AckMark::epoch)
        .as("the most recently written first")
        .containsExactly("ep-3", "ép-2", "ep-1");
  }
}
