package dev.mesh.common.presence.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.MemberState;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Channel presence transitions (pure, as run by the entry processors)")
class ChannelStateTest {

  private static final Timing TIMING = new Timing(1_000, 10_000, 60_000);
  private static final long T0 = 1_700_000_000_000L;

  private static ChannelState with(String userId, String connectionId) {
    return ChannelState.absent()
        .joined(userId, connectionId, "{\"name\":\"" + userId + "\"}", 10, 10, T0, TIMING)
        .next();
  }

  @Test
  @DisplayName("join once per user: a second connection of a member is no diff")
  void joinPerUser() {
    ChannelState.Step first = ChannelState.absent().joined("alice", "c1", null, 10, 10, T0, TIMING);
    assertThat(first.outcome().join()).isEqualTo(ChannelOutcome.Join.JOINED);
    assertThat(first.outcome().changes())
        .singleElement()
        .satisfies(c -> assertThat(c.effect().channelChange()).hasToString("JOIN"));
    ChannelState.Step second = first.next().joined("alice", "c2", null, 10, 10, T0, TIMING);
    assertThat(second.outcome().changes())
        .singleElement()
        .satisfies(c -> assertThat(c.effect()).isEqualTo(Effect.NONE));
    assertThat(second.next().view(10).count()).isEqualTo(1);
    assertThat(second.next().joined("alice", "c2", null, 10, 10, T0, TIMING).next())
        .isSameAs(second.next());
  }

  @Test
  @DisplayName("the member limit refuses a new user but not another connection of a member")
  void memberLimit() {
    ChannelState two = with("alice", "c1").joined("bob", "c2", null, 2, 10, T0, TIMING).next();
    ChannelState.Step refused = two.joined("carol", "c3", null, 2, 10, T0, TIMING);
    assertThat(refused.outcome().join()).isEqualTo(ChannelOutcome.Join.FULL);
    assertThat(refused.next()).isSameAs(two);
    assertThat(two.joined("bob", "c4", null, 2, 10, T0, TIMING).outcome().join())
        .isEqualTo(ChannelOutcome.Join.JOINED);
  }

  @Test
  @DisplayName(
      "a drop is reconnecting, a return inside grace is a join, no leave; after grace one leave")
  void graceRules() {
    ChannelState.Step dropped =
        with("bob", "c1").left("bob", "c1", CloseReason.NETWORK_ERROR, T0 + 10, TIMING);
    assertThat(dropped.outcome().changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.effect()).isEqualTo(Effect.GRACE_STARTED);
              assertThat(c.info()).contains("bob");
            });
    assertThat(dropped.next().view(10).members())
        .singleElement()
        .satisfies(m -> assertThat(m.state()).isEqualTo(MemberState.RECONNECTING));
    ChannelState.Step back = dropped.next().joined("bob", "c2", null, 10, 10, T0 + 500, TIMING);
    assertThat(back.outcome().changes())
        .singleElement()
        .satisfies(c -> assertThat(c.effect()).isEqualTo(Effect.GRACE_CANCELLED));
    assertThat(back.next().expired(T0 + 20_000, TIMING).outcome().changes()).isEmpty();

    ChannelState.Step gone = dropped.next().expired(T0 + 10 + 10_000, TIMING);
    assertThat(gone.outcome().changes())
        .singleElement()
        .satisfies(c -> assertThat(c.effect()).isEqualTo(Effect.GRACE_EXPIRED));
    assertThat(gone.next().view(10).count()).isZero();
    assertThat(gone.next().expired(T0 + 10 + 10_000, TIMING).outcome().changes()).isEmpty();
  }

  @Test
  @DisplayName(
      "an explicit leave is at once and the connection may join again; a closed one may not")
  void explicitLeaveAndLateJoin() {
    ChannelState.Step left = with("alice", "c1").left("alice", "c1", null, T0, TIMING);
    assertThat(left.outcome().changes())
        .singleElement()
        .satisfies(c -> assertThat(c.effect()).isEqualTo(Effect.ENDED_AT_ONCE));
    assertThat(left.next().joined("alice", "c1", null, 10, 10, T0, TIMING).outcome().join())
        .isEqualTo(ChannelOutcome.Join.JOINED);
    ChannelState closed =
        with("alice", "c1").left("alice", "c1", CloseReason.KICKED, T0, TIMING).next();
    assertThat(closed.joined("alice", "c1", null, 10, 10, T0, TIMING).outcome().join())
        .isEqualTo(ChannelOutcome.Join.CLOSED);
  }

  @Test
  @DisplayName("versions increase with every visible change of the channel")
  void versions() {
    ChannelState a = with("alice", "c1");
    ChannelState b = a.joined("bob", "c2", null, 10, 10, T0, TIMING).next();
    ChannelState c = b.left("bob", "c2", CloseReason.NETWORK_ERROR, T0, TIMING).next();
    assertThat(b.version()).isGreaterThan(a.version());
    assertThat(c.version()).isGreaterThan(b.version());
    assertThat(c.view(0).members()).isEmpty();
    assertThat(c.view(0).truncated()).isTrue();
  }
}
