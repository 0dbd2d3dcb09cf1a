package dev.mesh.common.presence.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceStatus;
import java.util.AbstractMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("User presence transitions (pure, as run by the entry processors)")
class UserStateTest {

  private static final Timing TIMING = new Timing(1_000, 10_000, 60_000, 8_000);
  private static final long T0 = 1_700_000_000_000L;

  private static TrackedConnection connection(String id, String node) {
    return TrackedConnection.of(
        new ConnectionIdentity("alice", "s", "t-" + id, "p-" + id, id, node), T0);
  }

  private static UserState online(String... ids) {
    UserState state = UserState.absent();
    for (String id : ids) {
      state = state.opened(connection(id, "n1"), T0, TIMING).next();
    }
    return state;
  }

  @Test
  @DisplayName("the first connection makes the user online, a second changes nothing visible")
  void firstConnectionIsOnline() {
    UserState.Step first = UserState.absent().opened(connection("c1", "n1"), T0, TIMING);
    assertThat(first.outcome().effect()).isEqualTo(Effect.CAME_ONLINE);
    assertThat(first.next().status()).isEqualTo(PresenceStatus.ONLINE);
    UserState.Step second = first.next().opened(connection("c2", "n2"), T0 + 1, TIMING);
    assertThat(second.outcome().effect()).isEqualTo(Effect.NONE);
    assertThat(second.next().connections()).hasSize(2);
    assertThat(second.next().version()).isEqualTo(first.next().version());
  }

  @Test
  @DisplayName(
      "an unintentional last close starts the grace period; a reconnect inside it is online again, never offline")
  void graceThenReconnect() {
    UserState.Step dropped = online("c1").closed("c1", CloseReason.NETWORK_ERROR, T0 + 100, TIMING);
    assertThat(dropped.outcome().effect()).isEqualTo(Effect.GRACE_STARTED);
    assertThat(dropped.next().status()).isEqualTo(PresenceStatus.RECONNECTING);
    assertThat(dropped.outcome().deadline()).isEqualTo(T0 + 100 + 10_000);
    assertThat(dropped.next().expired(T0 + 5_000, TIMING).outcome().effect())
        .isEqualTo(Effect.NONE);

    UserState.Step back = dropped.next().opened(connection("c2", "n2"), T0 + 5_000, TIMING);
    assertThat(back.outcome().effect()).isEqualTo(Effect.GRACE_CANCELLED);
    assertThat(back.next().status()).isEqualTo(PresenceStatus.ONLINE);
    assertThat(back.next().expiresAt()).isEqualTo(UserState.NEVER);
    assertThat(back.next().expired(T0 + 20_000, TIMING).outcome().effect()).isEqualTo(Effect.NONE);
  }

  @Test
  @DisplayName(
      "a grace period that ends without reconnect goes offline once; firing again does nothing")
  void graceExpiresOnce() {
    UserState pending = online("c1").closed("c1", CloseReason.HEARTBEAT_TIMEOUT, T0, TIMING).next();
    UserState.Step expired = pending.expired(T0 + 10_000, TIMING);
    assertThat(expired.outcome().effect()).isEqualTo(Effect.GRACE_EXPIRED);
    assertThat(expired.outcome().reason()).isEqualTo(CloseReason.HEARTBEAT_TIMEOUT);
    assertThat(expired.next().status()).isEqualTo(PresenceStatus.OFFLINE);
    assertThat(expired.next().version()).isGreaterThan(pending.version());
    assertThat(expired.next().expired(T0 + 10_001, TIMING).outcome().effect())
        .isEqualTo(Effect.NONE);
    assertThat(expired.next().expired(T0 + 10_000 + 60_000, TIMING).next())
        .as("forgotten after retention")
        .isNull();
  }

  @Test
  @DisplayName("an intentional last close is invisible during the debounce; a new page cancels it")
  void debounce() {
    UserState.Step closed = online("c1").closed("c1", CloseReason.CLIENT_NORMAL, T0, TIMING);
    assertThat(closed.outcome().effect()).isEqualTo(Effect.DEBOUNCE_STARTED);
    assertThat(closed.next().status()).isEqualTo(PresenceStatus.ONLINE);
    assertThat(closed.next().view("alice").offlineAt()).isNotNull();
    UserState.Step navigated = closed.next().opened(connection("c2", "n1"), T0 + 300, TIMING);
    assertThat(navigated.outcome().effect()).isEqualTo(Effect.DEBOUNCE_CANCELLED);
    assertThat(navigated.next().version()).isEqualTo(closed.next().version());
    UserState.Step expired = closed.next().expired(T0 + 1_000, TIMING);
    assertThat(expired.outcome().effect()).isEqualTo(Effect.DEBOUNCE_EXPIRED);
  }

  @Test
  @DisplayName("kicked or policy: offline at once; replaced with no successor: the grace rule")
  void terminalAndReplaced() {
    assertThat(online("c1").closed("c1", CloseReason.KICKED, T0, TIMING).outcome().effect())
        .isEqualTo(Effect.ENDED_AT_ONCE);
    assertThat(online("c1").closed("c1", CloseReason.POLICY, T0, TIMING).next().status())
        .isEqualTo(PresenceStatus.OFFLINE);
    assertThat(online("c1").closed("c1", CloseReason.REPLACED, T0, TIMING).outcome().effect())
        .isEqualTo(Effect.GRACE_STARTED);
  }

  @Test
  @DisplayName("closing one of two tabs keeps the user online")
  void twoTabs() {
    UserState.Step one = online("c1", "c2").closed("c1", CloseReason.NETWORK_ERROR, T0, TIMING);
    assertThat(one.outcome().effect()).isEqualTo(Effect.NONE);
    assertThat(one.next().status()).isEqualTo(PresenceStatus.ONLINE);
    assertThat(one.next().closed("c2", CloseReason.CLIENT_NORMAL, T0, TIMING).outcome().effect())
        .isEqualTo(Effect.DEBOUNCE_STARTED);
  }

  @Test
  @DisplayName(
      "a duplicated close counts once; a close before its open makes the late open ignored")
  void idempotentByConnectionId() {
    UserState closed =
        online("c1", "c2").closed("c1", CloseReason.NETWORK_ERROR, T0, TIMING).next();
    UserState.Step again = closed.closed("c1", CloseReason.NODE_LOST, T0 + 1, TIMING);
    assertThat(again.next()).isSameAs(closed);
    assertThat(again.outcome().closed())
        .extracting(ClosedConnection::connectionId)
        .containsExactly("c1");

    UserState early = UserState.absent().closed("c9", CloseReason.NETWORK_ERROR, T0, TIMING).next();
    UserState.Step late = early.opened(connection("c9", "n1"), T0 + 1, TIMING);
    assertThat(late.next()).isSameAs(early);
    assertThat(early.status()).isEqualTo(PresenceStatus.OFFLINE);
    assertThat(early.expiresAt()).as("remembered, then forgotten").isEqualTo(T0 + 60_000);
  }

  @Test
  @DisplayName("a lost node closes only its connections, as node-lost, reporting their channels")
  void nodeLost() {
    UserState state =
        UserState.absent()
            .opened(connection("c1", "n1"), T0, TIMING)
            .next()
            .opened(connection("c2", "n2"), T0, TIMING)
            .next()
            .tracked("c1", "room", true, T0)
            .next();
    UserState.Step lost = state.nodeLost("n1", T0 + 1, TIMING);
    assertThat(lost.outcome().effect()).isEqualTo(Effect.NONE);
    assertThat(lost.outcome().closed())
        .singleElement()
        .satisfies(c -> assertThat(c.channels()).containsExactly("room"));
    assertThat(lost.next().connections())
        .extracting(TrackedConnection::nodeId)
        .containsExactly("n2");
    UserState.Step both = lost.next().nodeLost("n2", T0 + 2, TIMING);
    assertThat(both.outcome().effect()).isEqualTo(Effect.GRACE_STARTED);
    assertThat(both.outcome().reason()).isEqualTo(CloseReason.NODE_LOST);
    // The lost node may still be draining its sockets: grace starts after its allowance.
    assertThat(both.outcome().deadline()).isEqualTo(T0 + 2 + 8_000 + 10_000);
    assertThat(
            state
                .closed("c1", CloseReason.NETWORK_ERROR, T0 + 1, TIMING)
                .next()
                .closed("c2", CloseReason.NETWORK_ERROR, T0 + 2, TIMING)
                .outcome()
                .deadline())
        .isEqualTo(T0 + 2 + 10_000);
    assertThat(both.next().nodeLost("n2", T0 + 3, TIMING).next()).isSameAs(both.next());
  }

  @Test
  @DisplayName("tombstones are bounded in number and in age")
  void tombstonesBounded() {
    UserState state = online("keep");
    for (int i = 0; i < UserState.MAX_TOMBSTONES + 10; i++) {
      state =
          state
              .opened(connection("x" + i, "n1"), T0, TIMING)
              .next()
              .closed("x" + i, CloseReason.NETWORK_ERROR, T0, TIMING)
              .next();
    }
    assertThat(state.closed()).hasSize(UserState.MAX_TOMBSTONES);
    state =
        state
            .opened(connection("y", "n1"), T0 + 60_001, TIMING)
            .next()
            .closed("y", CloseReason.NETWORK_ERROR, T0 + 60_001, TIMING)
            .next();
    assertThat(state.closed()).extracting(ClosedConnection::connectionId).containsExactly("y");
  }

  @Test
  @DisplayName("versions increase across the user being forgotten and seen again")
  void versionsSurviveForgetting() {
    UserState offline = online("c1").closed("c1", CloseReason.KICKED, T0, TIMING).next();
    UserState.Step again = UserState.absent().opened(connection("c2", "n1"), T0 + 120_000, TIMING);
    assertThat(again.next().version()).isGreaterThan(offline.version());
  }

  @Test
  @DisplayName(
      "the entry processor writes only when the state changed, and deletes a forgotten user")
  void entryProcessorWrites() {
    Map.Entry<String, UserState> entry = new AbstractMap.SimpleEntry<>("alice", null);
    UserOutcome opened =
        new OpenConnection(
                new ConnectionIdentity("alice", "s", "t", "p", "c1", "n1"), T0, T0, TIMING)
            .process(entry);
    assertThat(opened.effect()).isEqualTo(Effect.CAME_ONLINE);
    assertThat(entry.getValue().connections()).hasSize(1);
    assertThat(new ExpireUser(T0, TIMING).process(entry)).as("nothing due").isNull();
    new CloseConnection("c1", CloseReason.POLICY, T0, TIMING).process(entry);
    assertThat(new ExpireUser(T0 + 60_000, TIMING).process(entry)).isNull();
    assertThat(entry.getValue()).isNull();
    TrackChannel.Result late =
        new TrackChannel(
                new ConnectionIdentity("alice", "s", "t", "p", "c1", "n1"),
                "room",
                true,
                T0,
                TIMING)
            .process(
                new AbstractMap.SimpleEntry<>(
                    "alice",
                    UserState.absent().closed("c1", CloseReason.POLICY, T0, TIMING).next()));
    assertThat(late.accepted()).isFalse();
  }
}
