package dev.mesh.common.presence.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.MemberState;
import dev.mesh.common.presence.PresenceStatus;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Presence's values and processors travel in their own binary form, not Java serialization, and"
        + " lose nothing")
class PresenceSerializersTest {

  private static final Timing TIMING = new Timing(1_000, 10_000, 60_000, 8_000);
  private static final long T0 = 1_700_000_000_000L;

  private final InternalSerializationService service;

  PresenceSerializersTest() {
    SerializationConfig config = new SerializationConfig();
    PresenceSerializers.register(config);
    service = new DefaultSerializationServiceBuilder().setConfig(config).build();
  }

  private <T> T roundTrip(T value, int expectedType) {
    Data data = service.toData(value);
    assertThat(data.getType())
        .as("serializer type id of %s", value.getClass().getSimpleName())
        .isEqualTo(expectedType);
    return service.toObject(data);
  }

  private static ConnectionIdentity identity(String connectionId, String node) {
    return new ConnectionIdentity("ユーザー-é", "s-1", "t-" + connectionId, "p-1", connectionId, node);
  }

  /** A user with two connections, one in a channel, and a tombstone. */
  private static UserState busyUser() {
    UserState state = UserState.absent();
    state = state.opened(TrackedConnection.of(identity("c1", "n1"), T0), T0, TIMING).next();
    state = state.opened(TrackedConnection.of(identity("c2", "n2"), T0), T0 + 1, TIMING).next();
    state = state.tracked("c1", "room/ü", true, T0 + 2).next();
    state = state.opened(TrackedConnection.of(identity("c3", "n1"), T0), T0 + 3, TIMING).next();
    return state.closed("c3", CloseReason.NETWORK_ERROR, T0 + 4, TIMING).next();
  }

  /** A channel with a present member, one whose leave is pending, and a tombstone. */
  private static ChannelState busyChannel() {
    ChannelState state = ChannelState.absent();
    state = state.joined("alice", "c1", "{\"name\":\"Älice\"}", 10, 5, T0, TIMING).next();
    state = state.joined("bob", "c2", null, 10, 5, T0 + 1, TIMING).next();
    state = state.joined("bob", "c4", null, 10, 5, T0 + 1, TIMING).next();
    return state.left("bob", "c2", CloseReason.HEARTBEAT_TIMEOUT, T0 + 2, TIMING).next();
  }

  @Test
  @DisplayName("users and channels, empty and busy, survive the round trip")
  void valuesSurviveTheRoundTrip() {
    UserState absent = UserState.absent();
    assertThat(roundTrip(absent, PresenceSerializers.USER_STATE)).isEqualTo(absent);
    UserState busy = busyUser();
    assertThat(busy.connections()).hasSize(2);
    assertThat(busy.closed()).hasSize(1);
    assertThat(roundTrip(busy, PresenceSerializers.USER_STATE)).isEqualTo(busy);
    UserState offline =
        busy.closed("c1", CloseReason.KICKED, T0 + 5, TIMING)
            .next()
            .closed("c2", CloseReason.KICKED, T0 + 5, TIMING)
            .next();
    assertThat(offline.status()).isEqualTo(PresenceStatus.OFFLINE);
    assertThat(roundTrip(offline, PresenceSerializers.USER_STATE)).isEqualTo(offline);

    ChannelState empty = ChannelState.absent();
    assertThat(roundTrip(empty, PresenceSerializers.CHANNEL_STATE)).isEqualTo(empty);
    ChannelState channel = busyChannel();
    assertThat(channel.members()).hasSize(2);
    assertThat(roundTrip(channel, PresenceSerializers.CHANNEL_STATE)).isEqualTo(channel);
    ChannelState pending =
        channel.left("bob", "c4", CloseReason.NETWORK_ERROR, T0 + 3, TIMING).next();
    assertThat(pending.members().get("bob").state()).isEqualTo(MemberState.RECONNECTING);
    assertThat(roundTrip(pending, PresenceSerializers.CHANNEL_STATE)).isEqualTo(pending);
  }

  @Test
  @DisplayName("outcomes, views and results survive the round trip, nulls included")
  void resultsSurviveTheRoundTrip() {
    UserOutcome outcome =
        new UserOutcome(
            Effect.GRACE_STARTED,
            CloseReason.NODE_LOST,
            T0,
            42,
            T0 + 10_000,
            0,
            List.of(new ClosedConnection("c1", T0, Set.of("a", "ß"))),
            true);
    assertThat(roundTrip(outcome, PresenceSerializers.USER_OUTCOME)).isEqualTo(outcome);
    UserOutcome online =
        new UserOutcome(Effect.CAME_ONLINE, null, T0, 1, UserState.NEVER, 1, List.of(), false);
    assertThat(roundTrip(online, PresenceSerializers.USER_OUTCOME)).isEqualTo(online);

    TrackChannel.Result accepted = new TrackChannel.Result(true, online);
    assertThat(roundTrip(accepted, PresenceSerializers.TRACK_RESULT)).isEqualTo(accepted);
    TrackChannel.Result refused = new TrackChannel.Result(false, null);
    assertThat(roundTrip(refused, PresenceSerializers.TRACK_RESULT)).isEqualTo(refused);

    ChannelView view =
        new ChannelView(
            3,
            7,
            List.of(
                new ChannelView.Member("alice", MemberState.PRESENT, "{\"a\":1}", T0),
                new ChannelView.Member("bob", MemberState.RECONNECTING, null, T0 + 1)),
            true);
    assertThat(roundTrip(view, PresenceSerializers.CHANNEL_VIEW)).isEqualTo(view);
    ChannelView nobody = new ChannelView(0, 0, List.of(), false);
    assertThat(roundTrip(nobody, PresenceSerializers.CHANNEL_VIEW)).isEqualTo(nobody);

    ChannelOutcome joined =
        new ChannelOutcome(
            List.of(
                new MemberChange("alice", Effect.CAME_ONLINE, null, "{\"é\":true}", T0, 1, 0),
                new MemberChange(
                    "bob", Effect.ENDED_AT_ONCE, CloseReason.POLICY, null, T0, 2, T0 + 1)),
            ChannelOutcome.Join.JOINED,
            view);
    assertThat(roundTrip(joined, PresenceSerializers.CHANNEL_OUTCOME)).isEqualTo(joined);
    ChannelOutcome bare = new ChannelOutcome(List.of(), null, null);
    assertThat(roundTrip(bare, PresenceSerializers.CHANNEL_OUTCOME)).isEqualTo(bare);

    UserTally.Counts counts = new UserTally.Counts(3, 1, Long.MAX_VALUE);
    assertThat(roundTrip(counts, PresenceSerializers.USER_COUNTS)).isEqualTo(counts);
    CountedConnections counted = new CountedConnections("ユーザー", busyUser().connections());
    assertThat(roundTrip(counted, PresenceSerializers.COUNTED_CONNECTIONS)).isEqualTo(counted);
    CountedConnections none = new CountedConnections("u", List.of());
    assertThat(roundTrip(none, PresenceSerializers.COUNTED_CONNECTIONS)).isEqualTo(none);
    ChannelConnections connections =
        new ChannelConnections("room/ü", Map.of("alice", Set.of("c1", "c2"), "bob", Set.of()));
    assertThat(roundTrip(connections, PresenceSerializers.CHANNEL_CONNECTIONS))
        .isEqualTo(connections);
    ChannelConnections emptyChannel = new ChannelConnections("r", Map.of());
    assertThat(roundTrip(emptyChannel, PresenceSerializers.CHANNEL_CONNECTIONS))
        .isEqualTo(emptyChannel);
  }

  /**
   * Runs {@code processor} and its round-tripped copy on equal entries: same result, same value.
   */
  private <V, R> void behavesTheSame(EntryProcessor<String, V, R> processor, int type, V value) {
    EntryProcessor<String, V, R> copy = roundTrip(processor, type);
    Map.Entry<String, V> original = new AbstractMap.SimpleEntry<>("key-ü", value);
    Map.Entry<String, V> copied = new AbstractMap.SimpleEntry<>("key-ü", value);
    R expected = processor.process(original);
    assertThat(copy.process(copied)).isEqualTo(expected);
    assertThat(copied.getValue()).isEqualTo(original.getValue());
  }

  @Test
  @DisplayName("every user processor behaves the same after the round trip")
  void userProcessorsBehaveTheSame() {
    UserState busy = busyUser();
    behavesTheSame(
        new OpenConnection(identity("c9", "n3"), T0, T0 + 10, TIMING),
        PresenceSerializers.OPEN_CONNECTION,
        busy);
    behavesTheSame(
        new OpenConnection(identity("c9", "n3"), T0, T0 + 10, TIMING),
        PresenceSerializers.OPEN_CONNECTION,
        null);
    behavesTheSame(
        new CloseConnection("c1", CloseReason.CLIENT_NORMAL, T0 + 10, TIMING),
        PresenceSerializers.CLOSE_CONNECTION,
        busy);
    behavesTheSame(
        new CloseNodeConnections("n1", T0 + 10, TIMING),
        PresenceSerializers.CLOSE_NODE_CONNECTIONS,
        busy);
    UserState grace =
        busy.closed("c1", CloseReason.NETWORK_ERROR, T0 + 5, TIMING)
            .next()
            .closed("c2", CloseReason.NETWORK_ERROR, T0 + 5, TIMING)
            .next();
    behavesTheSame(new ExpireUser(T0 + 60_000, TIMING), PresenceSerializers.EXPIRE_USER, grace);
    behavesTheSame(
        new TrackChannel(identity("c2", "n2"), "room/ü", true, T0 + 10, TIMING),
        PresenceSerializers.TRACK_CHANNEL,
        busy);
    behavesTheSame(
        new TrackChannel(identity("c3", "n1"), "room", true, T0 + 10, TIMING),
        PresenceSerializers.TRACK_CHANNEL,
        busy);
    behavesTheSame(new ReadUser(), PresenceSerializers.READ_USER, busy);
  }

  @Test
  @DisplayName("every channel processor behaves the same after the round trip")
  void channelProcessorsBehaveTheSame() {
    ChannelState channel = busyChannel();
    behavesTheSame(
        new JoinChannel("carol", "c7", "{\"n\":\"Çarol\"}", 10, 1, T0 + 10, TIMING),
        PresenceSerializers.JOIN_CHANNEL,
        channel);
    behavesTheSame(
        new JoinChannel("carol", "c7", null, 2, 5, T0 + 10, TIMING),
        PresenceSerializers.JOIN_CHANNEL,
        channel);
    behavesTheSame(
        new LeaveChannel("alice", "c1", null, T0 + 10, TIMING),
        PresenceSerializers.LEAVE_CHANNEL,
        channel);
    behavesTheSame(
        new LeaveChannel("alice", "c1", CloseReason.NETWORK_ERROR, T0 + 10, TIMING),
        PresenceSerializers.LEAVE_CHANNEL,
        channel);
    ChannelState pending =
        channel.left("bob", "c4", CloseReason.NETWORK_ERROR, T0 + 3, TIMING).next();
    behavesTheSame(
        new ExpireChannel(T0 + 60_000, TIMING), PresenceSerializers.EXPIRE_CHANNEL, pending);
    behavesTheSame(new ReadChannel(1), PresenceSerializers.READ_CHANNEL, channel);
    behavesTheSame(new ReadChannel(1), PresenceSerializers.READ_CHANNEL, null);
  }

  @Test
  @DisplayName("the tally keeps its partial counts; projections and predicates act the same")
  void queriesBehaveTheSame() {
    Map.Entry<String, UserState> user = new AbstractMap.SimpleEntry<>("alice", busyUser());
    UserTally tally = new UserTally();
    tally.accumulate(user);
    UserTally copy = roundTrip(tally, PresenceSerializers.USER_TALLY);
    assertThat(copy.aggregate()).isEqualTo(new UserTally.Counts(1, 0, 2));
    copy.combine(tally);
    assertThat(copy.aggregate()).isEqualTo(new UserTally.Counts(2, 0, 4));

    Map.Entry<String, ChannelState> channel = new AbstractMap.SimpleEntry<>("room", busyChannel());
    assertThat(
            roundTrip(CountedConnections.projection(), PresenceSerializers.TO_COUNTED)
                .transform(user))
        .isEqualTo(CountedConnections.projection().transform(user));
    assertThat(
            roundTrip(CountedConnections.withConnections(), PresenceSerializers.WITH_CONNECTIONS)
                .apply(user))
        .isTrue();
    assertThat(
            roundTrip(ChannelConnections.projection(), PresenceSerializers.TO_CONNECTIONS)
                .transform(channel))
        .isEqualTo(ChannelConnections.projection().transform(channel));
    assertThat(
            roundTrip(ChannelConnections.withMembers(), PresenceSerializers.WITH_MEMBERS)
                .apply(new AbstractMap.SimpleEntry<>("empty", ChannelState.absent())))
        .isFalse();
  }

  @Test
  @DisplayName("an unknown enum code or a truncated payload fails the read instead of a value")
  void garbledPayloadsFail() throws IOException {
    ObjectDataOutput out = service.createObjectDataOutput();
    out.writeByte(42);
    ObjectDataInput in = service.createObjectDataInput(out.toByteArray());
    assertThatThrownBy(() -> PresenceSerializers.CLOSE_REASONS.read(in))
        .isInstanceOf(IOException.class)
        .hasMessage("unknown CloseReason code 42");

    byte[] whole = service.toData(busyUser()).toByteArray();
    Data truncated = new HeapData(Arrays.copyOf(whole, whole.length - 6));
    assertThatThrownBy(() -> service.toObject(truncated))
        .isInstanceOf(HazelcastSerializationException.class);
  }

  @Test
  @DisplayName("every enum constant has exactly one wire code")
  void everyConstantHasACode() {
    assertThatThrownBy(
            () ->
                new PresenceSerializers.Codes<>(
                    MemberState.class, List.of(MemberState.PRESENT, MemberState.PRESENT)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> new PresenceSerializers.Codes<>(MemberState.class, List.of(MemberState.PRESENT)))
        .isInstanceOf(IllegalStateException.class);
  }
}
