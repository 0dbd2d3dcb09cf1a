package dev.mesh.common.presence.state;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import dev.mesh.common.cluster.WireSerializers;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.MemberState;
import dev.mesh.common.presence.PresenceStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Binary forms of presence's values, entry processors, results, projections and aggregator, the
 * same strategy as the registry's and the replay store's: every connect, close, join and leave
 * sends a processor and its backup, and a migration or backup copies whole users and channels.
 * Lives in the state package to read the processors' fields without widening them beyond it.
 */
public final class PresenceSerializers {

  // Type ids are part of the cluster's wire format: never reuse or renumber one (1101+ are the
  // registry's, 1201+ the replay store's).
  static final int USER_STATE = 1301;
  static final int CHANNEL_STATE = 1302;
  static final int OPEN_CONNECTION = 1303;
  static final int CLOSE_CONNECTION = 1304;
  static final int CLOSE_NODE_CONNECTIONS = 1305;
  static final int EXPIRE_USER = 1306;
  static final int TRACK_CHANNEL = 1307;
  static final int READ_USER = 1308;
  static final int JOIN_CHANNEL = 1309;
  static final int LEAVE_CHANNEL = 1310;
  static final int EXPIRE_CHANNEL = 1311;
  static final int READ_CHANNEL = 1312;
  static final int USER_OUTCOME = 1313;
  static final int TRACK_RESULT = 1314;
  static final int CHANNEL_OUTCOME = 1315;
  static final int CHANNEL_VIEW = 1316;
  static final int USER_TALLY = 1317;
  static final int USER_COUNTS = 1318;
  static final int COUNTED_CONNECTIONS = 1319;
  static final int TO_COUNTED = 1320;
  static final int WITH_CONNECTIONS = 1321;
  static final int CHANNEL_CONNECTIONS = 1322;
  static final int TO_CONNECTIONS = 1323;
  static final int WITH_MEMBERS = 1324;

  // An enum constant's byte on the wire is its index in these lists, whatever the order of its
  // declaration: append new constants, never reorder. -1 is null.
  static final Codes<CloseReason> CLOSE_REASONS =
      new Codes<>(
          CloseReason.class,
          List.of(
              CloseReason.CLIENT_NORMAL,
              CloseReason.HEARTBEAT_TIMEOUT,
              CloseReason.NETWORK_ERROR,
              CloseReason.REPLACED,
              CloseReason.ROTATED,
              CloseReason.SERVER_SHUTDOWN,
              CloseReason.NODE_LOST,
              CloseReason.SLOW_CONSUMER,
              CloseReason.TOKEN_EXPIRED,
              CloseReason.KICKED,
              CloseReason.POLICY));
  static final Codes<Effect> EFFECTS =
      new Codes<>(
          Effect.class,
          List.of(
              Effect.NONE,
              Effect.CAME_ONLINE,
              Effect.GRACE_STARTED,
              Effect.DEBOUNCE_STARTED,
              Effect.GRACE_CANCELLED,
              Effect.DEBOUNCE_CANCELLED,
              Effect.GRACE_EXPIRED,
              Effect.DEBOUNCE_EXPIRED,
              Effect.ENDED_AT_ONCE));
  static final Codes<PresenceStatus> STATUSES =
      new Codes<>(
          PresenceStatus.class,
          List.of(PresenceStatus.ONLINE, PresenceStatus.RECONNECTING, PresenceStatus.OFFLINE));
  static final Codes<MemberState> MEMBER_STATES =
      new Codes<>(MemberState.class, List.of(MemberState.PRESENT, MemberState.RECONNECTING));
  static final Codes<ChannelOutcome.Join> JOINS =
      new Codes<>(
          ChannelOutcome.Join.class,
          List.of(
              ChannelOutcome.Join.JOINED, ChannelOutcome.Join.FULL, ChannelOutcome.Join.CLOSED));

  private PresenceSerializers() {}

  /** Adds presence's serializers to a member's configuration. */
  public static void register(SerializationConfig config) {
    registerValues(config);
    registerUserProcessors(config);
    registerChannelProcessors(config);
    registerResults(config);
    registerQueries(config);
  }

  private static void registerValues(SerializationConfig config) {
    WireSerializers.add(
        config,
        UserState.class,
        USER_STATE,
        PresenceSerializers::writeUser,
        PresenceSerializers::readUser);
    WireSerializers.add(
        config,
        ChannelState.class,
        CHANNEL_STATE,
        PresenceSerializers::writeChannel,
        PresenceSerializers::readChannel);
  }

  private static void registerUserProcessors(SerializationConfig config) {
    WireSerializers.add(
        config,
        OpenConnection.class,
        OPEN_CONNECTION,
        (out, open) -> {
          writeIdentity(out, open.identity);
          out.writeLong(open.openedAt);
          out.writeLong(open.at);
          writeTiming(out, open.timing);
        },
        in -> new OpenConnection(readIdentity(in), in.readLong(), in.readLong(), readTiming(in)));
    WireSerializers.add(
        config,
        CloseConnection.class,
        CLOSE_CONNECTION,
        (out, close) -> {
          out.writeString(close.connectionId);
          CLOSE_REASONS.write(out, close.reason);
          out.writeLong(close.at);
          writeTiming(out, close.timing);
        },
        in ->
            new CloseConnection(
                in.readString(), CLOSE_REASONS.read(in), in.readLong(), readTiming(in)));
    WireSerializers.add(
        config,
        CloseNodeConnections.class,
        CLOSE_NODE_CONNECTIONS,
        (out, close) -> {
          out.writeString(close.nodeId);
          out.writeLong(close.at);
          writeTiming(out, close.timing);
        },
        in -> new CloseNodeConnections(in.readString(), in.readLong(), readTiming(in)));
    WireSerializers.add(
        config,
        ExpireUser.class,
        EXPIRE_USER,
        (out, expire) -> {
          out.writeLong(expire.now);
          writeTiming(out, expire.timing);
        },
        in -> new ExpireUser(in.readLong(), readTiming(in)));
    WireSerializers.add(
        config,
        TrackChannel.class,
        TRACK_CHANNEL,
        (out, track) -> {
          writeIdentity(out, track.identity);
          out.writeString(track.channel);
          out.writeBoolean(track.member);
          out.writeLong(track.at);
          writeTiming(out, track.timing);
        },
        in ->
            new TrackChannel(
                readIdentity(in),
                in.readString(),
                in.readBoolean(),
                in.readLong(),
                readTiming(in)));
    WireSerializers.add(config, ReadUser.class, READ_USER, (out, read) -> {}, in -> new ReadUser());
  }

  private static void registerChannelProcessors(SerializationConfig config) {
    WireSerializers.add(
        config,
        JoinChannel.class,
        JOIN_CHANNEL,
        (out, join) -> {
          out.writeString(join.userId);
          out.writeString(join.connectionId);
          out.writeString(join.info);
          out.writeInt(join.maxMembers);
          out.writeInt(join.viewLimit);
          out.writeLong(join.at);
          writeTiming(out, join.timing);
        },
        in ->
            new JoinChannel(
                in.readString(),
                in.readString(),
                in.readString(),
                in.readInt(),
                in.readInt(),
                in.readLong(),
                readTiming(in)));
    WireSerializers.add(
        config,
        LeaveChannel.class,
        LEAVE_CHANNEL,
        (out, leave) -> {
          out.writeString(leave.userId);
          out.writeString(leave.connectionId);
          CLOSE_REASONS.write(out, leave.reason);
          out.writeLong(leave.at);
          writeTiming(out, leave.timing);
        },
        in ->
            new LeaveChannel(
                in.readString(),
                in.readString(),
                CLOSE_REASONS.read(in),
                in.readLong(),
                readTiming(in)));
    WireSerializers.add(
        config,
        ExpireChannel.class,
        EXPIRE_CHANNEL,
        (out, expire) -> {
          out.writeLong(expire.now);
          writeTiming(out, expire.timing);
        },
        in -> new ExpireChannel(in.readLong(), readTiming(in)));
    WireSerializers.add(
        config,
        ReadChannel.class,
        READ_CHANNEL,
        (out, read) -> out.writeInt(read.limit),
        in -> new ReadChannel(in.readInt()));
  }

  private static void registerResults(SerializationConfig config) {
    WireSerializers.add(
        config,
        UserOutcome.class,
        USER_OUTCOME,
        PresenceSerializers::writeOutcome,
        PresenceSerializers::readOutcome);
    WireSerializers.add(
        config,
        TrackChannel.Result.class,
        TRACK_RESULT,
        (out, result) -> {
          out.writeBoolean(result.accepted());
          writeNullableOutcome(out, result.opened());
        },
        in -> new TrackChannel.Result(in.readBoolean(), readNullableOutcome(in)));
    WireSerializers.add(
        config,
        ChannelOutcome.class,
        CHANNEL_OUTCOME,
        (out, outcome) -> {
          out.writeInt(outcome.changes().size());
          for (MemberChange change : outcome.changes()) {
            writeChange(out, change);
          }
          JOINS.write(out, outcome.join());
          out.writeBoolean(outcome.view() != null);
          if (outcome.view() != null) {
            writeView(out, outcome.view());
          }
        },
        in -> {
          int size = in.readInt();
          List<MemberChange> changes = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            changes.add(readChange(in));
          }
          ChannelOutcome.Join join = JOINS.read(in);
          return new ChannelOutcome(changes, join, in.readBoolean() ? readView(in) : null);
        });
    WireSerializers.add(
        config,
        ChannelView.class,
        CHANNEL_VIEW,
        PresenceSerializers::writeView,
        PresenceSerializers::readView);
  }

  private static void registerQueries(SerializationConfig config) {
    WireSerializers.add(
        config,
        UserTally.class,
        USER_TALLY,
        (out, tally) -> {
          out.writeLong(tally.online);
          out.writeLong(tally.reconnecting);
          out.writeLong(tally.connections);
        },
        in -> {
          UserTally tally = new UserTally();
          tally.online = in.readLong();
          tally.reconnecting = in.readLong();
          tally.connections = in.readLong();
          return tally;
        });
    WireSerializers.add(
        config,
        UserTally.Counts.class,
        USER_COUNTS,
        (out, counts) -> {
          out.writeLong(counts.online());
          out.writeLong(counts.reconnecting());
          out.writeLong(counts.connections());
        },
        in -> new UserTally.Counts(in.readLong(), in.readLong(), in.readLong()));
    WireSerializers.add(
        config,
        CountedConnections.class,
        COUNTED_CONNECTIONS,
        (out, counted) -> {
          out.writeString(counted.userId());
          writeTracked(out, counted.connections());
        },
        in -> new CountedConnections(in.readString(), readTracked(in)));
    WireSerializers.add(
        config,
        CountedConnections.ToCounted.class,
        TO_COUNTED,
        (out, projection) -> {},
        in -> new CountedConnections.ToCounted());
    WireSerializers.add(
        config,
        CountedConnections.WithConnections.class,
        WITH_CONNECTIONS,
        (out, predicate) -> {},
        in -> new CountedConnections.WithConnections());
    WireSerializers.add(
        config,
        ChannelConnections.class,
        CHANNEL_CONNECTIONS,
        (out, channel) -> {
          out.writeString(channel.channel());
          out.writeInt(channel.connectionsByUser().size());
          for (Map.Entry<String, Set<String>> user : channel.connectionsByUser().entrySet()) {
            out.writeString(user.getKey());
            writeStrings(out, user.getValue());
          }
        },
        in -> {
          String channel = in.readString();
          int size = in.readInt();
          Map<String, Set<String>> byUser = new HashMap<>();
          for (int i = 0; i < size; i++) {
            byUser.put(in.readString(), readStrings(in));
          }
          return new ChannelConnections(channel, byUser);
        });
    WireSerializers.add(
        config,
        ChannelConnections.ToConnections.class,
        TO_CONNECTIONS,
        (out, projection) -> {},
        in -> new ChannelConnections.ToConnections());
    WireSerializers.add(
        config,
        ChannelConnections.WithMembers.class,
        WITH_MEMBERS,
        (out, predicate) -> {},
        in -> new ChannelConnections.WithMembers());
  }

  private static void writeUser(ObjectDataOutput out, UserState user) throws IOException {
    writeTracked(out, user.connections());
    STATUSES.write(out, user.status());
    out.writeLong(user.since());
    out.writeLong(user.expiresAt());
    CLOSE_REASONS.write(out, user.reason());
    writeClosed(out, user.closed());
    out.writeLong(user.version());
  }

  private static UserState readUser(ObjectDataInput in) throws IOException {
    return new UserState(
        readTracked(in),
        STATUSES.read(in),
        in.readLong(),
        in.readLong(),
        CLOSE_REASONS.read(in),
        readClosed(in),
        in.readLong());
  }

  private static void writeChannel(ObjectDataOutput out, ChannelState channel) throws IOException {
    out.writeInt(channel.members().size());
    for (Map.Entry<String, ChannelMember> entry : channel.members().entrySet()) {
      out.writeString(entry.getKey());
      ChannelMember member = entry.getValue();
      out.writeString(member.userId());
      out.writeString(member.info());
      out.writeLong(member.since());
      writeStrings(out, member.connections());
      MEMBER_STATES.write(out, member.state());
      out.writeLong(member.leaveAt());
      CLOSE_REASONS.write(out, member.reason());
    }
    writeClosed(out, channel.left());
    out.writeLong(channel.expiresAt());
    out.writeLong(channel.version());
  }

  private static ChannelState readChannel(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    Map<String, ChannelMember> members = new HashMap<>();
    for (int i = 0; i < size; i++) {
      String key = in.readString();
      members.put(
          key,
          new ChannelMember(
              in.readString(),
              in.readString(),
              in.readLong(),
              readStrings(in),
              MEMBER_STATES.read(in),
              in.readLong(),
              CLOSE_REASONS.read(in)));
    }
    return new ChannelState(members, readClosed(in), in.readLong(), in.readLong());
  }

  private static void writeOutcome(ObjectDataOutput out, UserOutcome outcome) throws IOException {
    EFFECTS.write(out, outcome.effect());
    CLOSE_REASONS.write(out, outcome.reason());
    out.writeLong(outcome.at());
    out.writeLong(outcome.version());
    out.writeLong(outcome.deadline());
    out.writeInt(outcome.connections());
    writeClosed(out, outcome.closed());
    out.writeBoolean(outcome.changed());
  }

  private static UserOutcome readOutcome(ObjectDataInput in) throws IOException {
    return new UserOutcome(
        EFFECTS.read(in),
        CLOSE_REASONS.read(in),
        in.readLong(),
        in.readLong(),
        in.readLong(),
        in.readInt(),
        readClosed(in),
        in.readBoolean());
  }

  private static void writeNullableOutcome(ObjectDataOutput out, UserOutcome outcome)
      throws IOException {
    out.writeBoolean(outcome != null);
    if (outcome != null) {
      writeOutcome(out, outcome);
    }
  }

  private static UserOutcome readNullableOutcome(ObjectDataInput in) throws IOException {
    return in.readBoolean() ? readOutcome(in) : null;
  }

  private static void writeChange(ObjectDataOutput out, MemberChange change) throws IOException {
    out.writeString(change.userId());
    EFFECTS.write(out, change.effect());
    CLOSE_REASONS.write(out, change.reason());
    out.writeString(change.info());
    out.writeLong(change.at());
    out.writeLong(change.version());
    out.writeLong(change.deadline());
  }

  private static MemberChange readChange(ObjectDataInput in) throws IOException {
    return new MemberChange(
        in.readString(),
        EFFECTS.read(in),
        CLOSE_REASONS.read(in),
        in.readString(),
        in.readLong(),
        in.readLong(),
        in.readLong());
  }

  private static void writeView(ObjectDataOutput out, ChannelView view) throws IOException {
    out.writeInt(view.count());
    out.writeLong(view.version());
    out.writeInt(view.members().size());
    for (ChannelView.Member member : view.members()) {
      out.writeString(member.userId());
      MEMBER_STATES.write(out, member.state());
      out.writeString(member.info());
      out.writeLong(member.since());
    }
    out.writeBoolean(view.truncated());
  }

  private static ChannelView readView(ObjectDataInput in) throws IOException {
    int count = in.readInt();
    long version = in.readLong();
    int size = in.readInt();
    List<ChannelView.Member> members = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      members.add(
          new ChannelView.Member(
              in.readString(), MEMBER_STATES.read(in), in.readString(), in.readLong()));
    }
    return new ChannelView(count, version, members, in.readBoolean());
  }

  private static void writeTracked(ObjectDataOutput out, List<TrackedConnection> connections)
      throws IOException {
    out.writeInt(connections.size());
    for (TrackedConnection connection : connections) {
      out.writeString(connection.connectionId());
      out.writeString(connection.nodeId());
      out.writeString(connection.sessionId());
      out.writeString(connection.tabId());
      out.writeLong(connection.openedAt());
      writeStrings(out, connection.channels());
    }
  }

  private static List<TrackedConnection> readTracked(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    List<TrackedConnection> connections = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      connections.add(
          new TrackedConnection(
              in.readString(),
              in.readString(),
              in.readString(),
              in.readString(),
              in.readLong(),
              readStrings(in)));
    }
    return connections;
  }

  private static void writeClosed(ObjectDataOutput out, List<ClosedConnection> closed)
      throws IOException {
    out.writeInt(closed.size());
    for (ClosedConnection connection : closed) {
      out.writeString(connection.connectionId());
      out.writeLong(connection.closedAt());
      writeStrings(out, connection.channels());
    }
  }

  private static List<ClosedConnection> readClosed(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    List<ClosedConnection> closed = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      closed.add(new ClosedConnection(in.readString(), in.readLong(), readStrings(in)));
    }
    return closed;
  }

  private static void writeStrings(ObjectDataOutput out, Set<String> values) throws IOException {
    out.writeInt(values.size());
    for (String value : values) {
      out.writeString(value);
    }
  }

  private static Set<String> readStrings(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    List<String> values = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      values.add(in.readString());
    }
    return Set.copyOf(values);
  }

  private static void writeIdentity(ObjectDataOutput out, ConnectionIdentity identity)
      throws IOException {
    out.writeString(identity.userId());
    out.writeString(identity.sessionId());
    out.writeString(identity.tabId());
    out.writeString(identity.pageId());
    out.writeString(identity.connectionId());
    out.writeString(identity.nodeId());
  }

  private static ConnectionIdentity readIdentity(ObjectDataInput in) throws IOException {
    return new ConnectionIdentity(
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString());
  }

  private static void writeTiming(ObjectDataOutput out, Timing timing) throws IOException {
    out.writeLong(timing.debounceMillis());
    out.writeLong(timing.graceMillis());
    out.writeLong(timing.retentionMillis());
    out.writeLong(timing.nodeLossAllowanceMillis());
  }

  private static Timing readTiming(ObjectDataInput in) throws IOException {
    return new Timing(in.readLong(), in.readLong(), in.readLong(), in.readLong());
  }

  /** The bytes of one enum's constants, fixed by a list; a byte outside it fails the read. */
  static final class Codes<E extends Enum<E>> {
    private final String type;
    private final List<E> byCode;

    Codes(Class<E> type, List<E> byCode) {
      if (byCode.size() != type.getEnumConstants().length
          || !EnumSet.copyOf(byCode).equals(EnumSet.allOf(type))) {
        throw new IllegalStateException("every constant of " + type + " needs one wire code");
      }
      this.type = type.getSimpleName();
      this.byCode = byCode;
    }

    void write(ObjectDataOutput out, E value) throws IOException {
      out.writeByte(value == null ? -1 : byCode.indexOf(value));
    }

    E read(ObjectDataInput in) throws IOException {
      byte code = in.readByte();
      if (code == -1) {
        return null;
      }
      if (code < 0 || code >= byCode.size()) {
        throw new IOException("unknown " + type + " code " + code);
      }
      return byCode.get(code);
    }
  }
}
