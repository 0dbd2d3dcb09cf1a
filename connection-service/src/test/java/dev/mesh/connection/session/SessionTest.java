package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.identity.ConnectionIdentity;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A session's own state transitions")
class SessionTest {

  private static Session session() {
    return new Session(
        new ConnectionIdentity("u", "s", "t", "p", "c-1", "n-1"),
        null,
        null,
        LimitOptions.defaults(),
        System.nanoTime());
  }

  @Test
  @DisplayName("opens once, records when, then closes through CLOSING")
  void openThenClose() {
    Session session = session();
    assertThat(session.state()).isEqualTo(Session.State.OPENING);
    assertThat(session.registeredNanos()).isEqualTo(Long.MAX_VALUE);

    assertThat(session.opened()).isTrue();
    assertThat(session.isOpen()).isTrue();
    assertThat(session.registeredNanos()).isLessThan(Long.MAX_VALUE);
    assertThat(session.opened()).isFalse();

    assertThat(session.beginClosing()).isTrue();
    assertThat(session.isClosingOrClosed()).isTrue();
    assertThat(session.beginClosing()).isFalse();
    session.closed();
    assertThat(session.state()).isEqualTo(Session.State.CLOSED);
    assertThat(session.beginClosing()).isFalse();
  }

  @Test
  @DisplayName("does not open once it closed during admission, and a second refusal is harmless")
  void closedWhileOpening() {
    Session session = session();
    assertThat(session.closedBeforeOpen()).isTrue();
    assertThat(session.closedBeforeOpen()).isFalse();
    assertThat(session.opened()).isFalse();
    assertThat(session.state()).isEqualTo(Session.State.CLOSED);
  }

  @Test
  @DisplayName("may begin closing while still opening (displaced before its welcome)")
  void closingWhileOpening() {
    Session session = session();
    assertThat(session.beginClosing()).isTrue();
    session.closed();
    assertThat(session.opened()).isFalse();
  }

  @Test
  @DisplayName("refuses to end a close that never began, or to close an open one as never opened")
  void illegalTransitions() {
    Session session = session();
    assertThatThrownBy(session::closed).isInstanceOf(IllegalStateException.class);
    session.opened();
    assertThatThrownBy(session::closedBeforeOpen).isInstanceOf(IllegalStateException.class);
    assertThat(session.isOpen()).isTrue();
  }

  @Test
  @DisplayName("keeps its subscriptions by channel, in order, behind a read-only view")
  void subscriptions() {
    Session session = session();
    session.addSubscription(new Subscription(session, "b", false));
    session.addSubscription(new Subscription(session, "a", true));
    assertThat(session.subscriptionCount()).isEqualTo(2);
    assertThat(session.isSubscribed("a")).isTrue();
    assertThat(session.subscription("a").presence()).isTrue();
    assertThat(session.subscriptions()).extracting(Subscription::channel).containsExactly("b", "a");
    assertThatThrownBy(() -> session.subscriptions().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(session.removeSubscription("b").channel()).isEqualTo("b");
    assertThat(session.removeSubscription("b")).isNull();
    assertThat(session.isSubscribed("b")).isFalse();
  }

  @Test
  @DisplayName(
      "ends a subscription it lets go (removed or replaced), and only that one; refuses another's")
  void endsWhatItLetsGo() {
    Session session = session();
    Subscription first = new Subscription(session, "room", false);
    assertThat(session.addSubscription(first)).isNull();
    assertThat(first.isEnded()).isFalse();
    Subscription second = new Subscription(session, "room", false);
    assertThat(session.addSubscription(second)).isSameAs(first);
    assertThat(first.isEnded()).as("replaced by a re-subscribe").isTrue();
    assertThat(second.isEnded()).isFalse();
    assertThat(session.removeSubscription("room")).isSameAs(second);
    assertThat(second.isEnded()).as("unsubscribed").isTrue();
    assertThatThrownBy(() -> session.addSubscription(new Subscription(session(), "x", false)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("remembers its pending token timer until it ends")
  void tokenTimer() {
    Session session = session();
    assertThat(session.tokenTimer()).isEqualTo(-1);
    session.tokenTimerStarted(7);
    assertThat(session.tokenTimer()).isEqualTo(7);
    session.tokenTimerEnded();
    assertThat(session.tokenTimer()).isEqualTo(-1);
  }

  @Test
  @DisplayName(
      "rate drops: hinted until the next token; strikes only past burst + rate x window age")
  void rateDrops() {
    long t0 = 1_000_000_000L;
    long second = 1_000_000_000L;
    Session session =
        new Session(
            new ConnectionIdentity("u", "s", "t", "p", "c-1", "n-1"),
            null,
            null,
            LimitOptions.defaults().withRate(10, 5, 20),
            t0);
    for (int i = 0; i < 5; i++) {
      assertThat(session.takeRate(t0)).isTrue();
    }
    assertThat(session.takeRate(t0)).isFalse();
    // The next token is 100 ms away, but the hint is never below a second.
    assertThat(session.rateRetryAfterMs(t0)).isEqualTo(Session.RATE_LIMITED_MIN_RETRY_MS);

    // At the window's start the allowance is the burst: the sixth drop is a strike.
    for (int i = 0; i < 5; i++) {
      assertThat(session.rateDropIsStrike(t0)).isFalse();
    }
    assertThat(session.rateDropIsStrike(t0)).isTrue();
    // A second in, the rate added 10: drops 7 to 15 are allowed, the 16th is not.
    for (int i = 0; i < 9; i++) {
      assertThat(session.rateDropIsStrike(t0 + second)).isFalse();
    }
    assertThat(session.rateDropIsStrike(t0 + second)).isTrue();
    // More than 10 s after the window began, a new one starts from nothing.
    assertThat(session.rateDropIsStrike(t0 + 11 * second)).isFalse();
  }
}
