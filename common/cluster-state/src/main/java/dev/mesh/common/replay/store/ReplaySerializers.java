package dev.mesh.common.replay.store;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import dev.mesh.common.cluster.WireSerializers;
import dev.mesh.common.replay.ResetCause;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compact binary forms of replay's values, entry processors and results. A history read whose
 * channel lives on another member sends back a page of events, and every append sends its processor
 * to the backup: with Java serialization (object streams, class descriptors per call) that was the
 * largest Hazelcast cost of a resume. Lives in the store package to read the processors' and the
 * log's fields without widening them beyond it.
 */
public final class ReplaySerializers {

  // Type ids are part of the cluster's wire format: never reuse or renumber one (1101-1105 are the
  // registry's).
  static final int CHANNEL_LOG = 1201;
  static final int APPEND_EVENT = 1202;
  static final int APPEND_RESULT = 1203;
  static final int READ_EVENTS = 1204;
  // 1205 was OpenChannel (reads no longer create a channel): retired, never reuse it.
  static final int READ_CRITICAL = 1206;
  static final int READ_RESULT = 1207;
  static final int ADVANCE_ACK = 1208;
  static final int ACK_MARK = 1209;
  static final int RESERVE_CREATION = 1210;
  static final int CREATION_COUNT = 1211;
  static final int ACK_CURSORS = 1212;

  private ReplaySerializers() {}

  /** Adds replay's serializers to a member's configuration. */
  public static void register(SerializationConfig config) {
    WireSerializers.add(
        config,
        ChannelLog.class,
        CHANNEL_LOG,
        ReplaySerializers::writeLog,
        ReplaySerializers::readLog);
    WireSerializers.add(
        config,
        AppendEvent.class,
        APPEND_EVENT,
        ReplaySerializers::writeAppend,
        ReplaySerializers::readAppend);
    WireSerializers.add(
        config,
        AppendResult.class,
        APPEND_RESULT,
        ReplaySerializers::writeAppendResult,
        ReplaySerializers::readAppendResult);
    WireSerializers.add(
        config,
        ReadEvents.class,
        READ_EVENTS,
        ReplaySerializers::writeRead,
        ReplaySerializers::readRead);
    WireSerializers.add(
        config,
        ReadCritical.class,
        READ_CRITICAL,
        ReplaySerializers::writeCritical,
        ReplaySerializers::readCritical);
    WireSerializers.add(
        config,
        ReadResult.class,
        READ_RESULT,
        ReplaySerializers::writeResult,
        ReplaySerializers::readResult);
    WireSerializers.add(
        config,
        AdvanceAck.class,
        ADVANCE_ACK,
        ReplaySerializers::writeAdvance,
        ReplaySerializers::readAdvance);
    WireSerializers.add(
        config, AckMark.class, ACK_MARK, ReplaySerializers::writeAck, ReplaySerializers::readAck);
    WireSerializers.add(
        config,
        AckCursors.class,
        ACK_CURSORS,
        ReplaySerializers::writeCursors,
        ReplaySerializers::readCursors);
    WireSerializers.add(
        config,
        ReserveCreation.class,
        RESERVE_CREATION,
        (out, r) -> {
          out.writeInt(r.limit);
          out.writeLong(r.windowMillis);
          out.writeLong(r.nowMillis);
        },
        in -> new ReserveCreation(in.readInt(), in.readLong(), in.readLong()));
    WireSerializers.add(
        config,
        CreationCount.class,
        CREATION_COUNT,
        (out, c) -> {
          out.writeLong(c.windowStartMillis());
          out.writeInt(c.count());
        },
        in -> new CreationCount(in.readLong(), in.readInt()));
  }

  private static void writePolicy(ObjectDataOutput out, ChannelPolicy policy) throws IOException {
    out.writeInt(policy.capacity());
    out.writeLong(policy.ttlMillis());
    out.writeLong(policy.dedupeWindowMillis());
    out.writeInt(policy.dedupeMaxIds());
    out.writeLong(policy.idleMillis());
  }

  private static ChannelPolicy readPolicy(ObjectDataInput in) throws IOException {
    return new ChannelPolicy(
        in.readInt(), in.readLong(), in.readLong(), in.readInt(), in.readLong());
  }

  private static void writeEvent(ObjectDataOutput out, StoredEvent event) throws IOException {
    out.writeLong(event.seq());
    out.writeString(event.id());
    out.writeLong(event.tsMillis());
    out.writeString(event.json());
    out.writeBoolean(event.critical());
    out.writeString(event.userId());
    out.writeString(event.connectionId());
  }

  private static StoredEvent readEvent(ObjectDataInput in) throws IOException {
    return new StoredEvent(
        in.readLong(),
        in.readString(),
        in.readLong(),
        in.readString(),
        in.readBoolean(),
        in.readString(),
        in.readString());
  }

  private static void writeLog(ObjectDataOutput out, ChannelLog log) throws IOException {
    out.writeString(log.epoch);
    out.writeLong(log.head);
    out.writeLong(log.lastTsMillis);
    out.writeInt(log.events.size());
    for (StoredEvent event : log.events) {
      writeEvent(out, event);
    }
    out.writeInt(log.recentIds.size());
    for (Map.Entry<String, long[]> id : log.recentIds.entrySet()) {
      out.writeString(id.getKey());
      out.writeLong(id.getValue()[0]);
      out.writeLong(id.getValue()[1]);
    }
  }

  private static ChannelLog readLog(ObjectDataInput in) throws IOException {
    ChannelLog log = new ChannelLog(in.readString());
    log.head = in.readLong();
    log.lastTsMillis = in.readLong();
    int events = in.readInt();
    for (int i = 0; i < events; i++) {
      log.events.addLast(readEvent(in));
    }
    int ids = in.readInt();
    for (int i = 0; i < ids; i++) {
      log.recentIds.put(in.readString(), new long[] {in.readLong(), in.readLong()});
    }
    return log;
  }

  private static void writeAppend(ObjectDataOutput out, AppendEvent append) throws IOException {
    out.writeString(append.id);
    out.writeString(append.publisher);
    out.writeString(append.json);
    out.writeBoolean(append.critical);
    out.writeLong(append.nowMillis);
    out.writeString(append.newEpoch);
    writePolicy(out, append.policy);
    out.writeString(append.userId);
    out.writeString(append.connectionId);
    out.writeBoolean(append.mayCreate);
  }

  private static AppendEvent readAppend(ObjectDataInput in) throws IOException {
    return new AppendEvent(
        in.readString(),
        in.readString(),
        in.readString(),
        in.readBoolean(),
        in.readLong(),
        in.readString(),
        readPolicy(in),
        in.readString(),
        in.readString(),
        in.readBoolean());
  }

  private static void writeAppendResult(ObjectDataOutput out, AppendResult result)
      throws IOException {
    out.writeString(result.epoch());
    out.writeLong(result.seq());
    out.writeLong(result.tsMillis());
    out.writeBoolean(result.duplicate());
    out.writeInt(result.retained());
    out.writeBoolean(result.event() != null);
    if (result.event() != null) {
      writeEvent(out, result.event());
    }
  }

  private static AppendResult readAppendResult(ObjectDataInput in) throws IOException {
    String epoch = in.readString();
    long seq = in.readLong();
    long ts = in.readLong();
    boolean duplicate = in.readBoolean();
    int retained = in.readInt();
    StoredEvent event = in.readBoolean() ? readEvent(in) : null;
    return new AppendResult(epoch, seq, ts, duplicate, retained, event);
  }

  private static void writeRead(ObjectDataOutput out, ReadEvents read) throws IOException {
    out.writeString(read.afterEpoch);
    out.writeLong(read.afterSeq);
    out.writeInt(read.limit);
    out.writeLong(read.nowMillis);
    writePolicy(out, read.policy);
  }

  private static ReadEvents readRead(ObjectDataInput in) throws IOException {
    return new ReadEvents(
        in.readString(), in.readLong(), in.readInt(), in.readLong(), readPolicy(in));
  }

  private static void writeCritical(ObjectDataOutput out, ReadCritical read) throws IOException {
    out.writeString(read.ackEpoch);
    out.writeLong(read.ackSeq);
    out.writeString(read.afterEpoch);
    out.writeLong(read.afterSeq);
    out.writeInt(read.limit);
    out.writeLong(read.nowMillis);
    writePolicy(out, read.policy);
  }

  private static ReadCritical readCritical(ObjectDataInput in) throws IOException {
    String ackEpoch = in.readString();
    long ackSeq = in.readLong();
    AckMark ack = ackEpoch == null ? null : new AckMark(ackEpoch, ackSeq);
    return new ReadCritical(
        ack, in.readString(), in.readLong(), in.readInt(), in.readLong(), readPolicy(in));
  }

  private static void writeResult(ObjectDataOutput out, ReadResult result) throws IOException {
    out.writeString(result.epoch());
    out.writeLong(result.head());
    out.writeInt(result.events().size());
    for (StoredEvent event : result.events()) {
      writeEvent(out, event);
    }
    out.writeBoolean(result.more());
    out.writeByte(result.reset() == null ? -1 : resetCode(result.reset()));
    out.writeLong(result.nextSeq());
  }

  private static ReadResult readResult(ObjectDataInput in) throws IOException {
    String epoch = in.readString();
    long head = in.readLong();
    int size = in.readInt();
    List<StoredEvent> events = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      events.add(readEvent(in));
    }
    boolean more = in.readBoolean();
    byte reset = in.readByte();
    return new ReadResult(
        epoch, head, events, more, reset < 0 ? null : resetCause(reset), in.readLong());
  }

  /**
   * A reset cause's byte on the wire: fixed here, whatever the order of {@link ResetCause}'s
   * constants.
   */
  private static int resetCode(ResetCause cause) {
    return switch (cause) {
      case EPOCH_CHANGED -> 0;
      case POSITION_TOO_OLD -> 1;
      case AHEAD -> 2;
    };
  }

  private static ResetCause resetCause(byte code) throws IOException {
    return switch (code) {
      case 0 -> ResetCause.EPOCH_CHANGED;
      case 1 -> ResetCause.POSITION_TOO_OLD;
      case 2 -> ResetCause.AHEAD;
      default -> throw new IOException("unknown reset cause code " + code);
    };
  }

  private static void writeAdvance(ObjectDataOutput out, AdvanceAck advance) throws IOException {
    writeAck(out, advance.ack);
    out.writeLong(advance.ttlMillis);
    out.writeBoolean(advance.initial);
  }

  private static AdvanceAck readAdvance(ObjectDataInput in) throws IOException {
    return new AdvanceAck(readAck(in), in.readLong(), in.readBoolean());
  }

  private static void writeAck(ObjectDataOutput out, AckMark ack) throws IOException {
    out.writeString(ack.epoch());
    out.writeLong(ack.seq());
  }

  private static AckMark readAck(ObjectDataInput in) throws IOException {
    return new AckMark(in.readString(), in.readLong());
  }

  private static void writeCursors(ObjectDataOutput out, AckCursors cursors) throws IOException {
    out.writeInt(cursors.marks().size());
    for (AckMark mark : cursors.marks()) {
      writeAck(out, mark);
    }
  }

  private static AckCursors readCursors(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    if (size < 1 || size > AckCursors.MAX_EPOCHS) {
      throw new IOException("1-" + AckCursors.MAX_EPOCHS + " ack cursors expected, was " + size);
    }
    List<AckMark> marks = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      marks.add(readAck(in));
    }
    try {
      return new AckCursors(marks);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
