package dev.mesh.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The duplicate-page rule of the registry: a page keeps its latest connection attempt, whatever
 * order they land in.
 */
class RegisterConnectionTest {

  private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");

  private static RegistryEntry attempt(String connectionId, String page, long millis) {
    return new RegistryEntry(
        new ConnectionIdentity("alice", "s", "t", page, connectionId, "node-" + connectionId),
        Transport.WEBSOCKET,
        T0.plusMillis(millis));
  }

  private static Map.Entry<String, UserConnections> user(RegistryEntry... entries) {
    return new AbstractMap.SimpleEntry<>("alice", new UserConnections(List.of(entries)));
  }

  @Test
  void aNewerAttemptOfThePageDisplacesTheOlder() {
    RegistryEntry first = attempt("c1", "p1", 0);
    RegistryEntry second = attempt("c2", "p1", 1500);
    Map.Entry<String, UserConnections> slot = user(first);
    RegisterConnection.Result result = new RegisterConnection(second, 10, false).process(slot);
    assertThat(result.accepted()).isTrue();
    assertThat(result.superseded()).isFalse();
    assertThat(result.displaced()).containsExactly(first);
    assertThat(slot.getValue().connections()).containsExactly(second);
  }

  @Test
  void anOlderAttemptRegisteringLateIsRefusedAndDisplacesNothing() {
    RegistryEntry live = attempt("c2", "p1", 1500);
    RegistryEntry stale = attempt("c1", "p1", 0);
    RegistryEntry otherPage = attempt("c3", "p2", 100);
    Map.Entry<String, UserConnections> slot = user(otherPage, live);
    RegisterConnection.Result result = new RegisterConnection(stale, 10, false).process(slot);
    assertThat(result.accepted()).isFalse();
    assertThat(result.superseded()).isTrue();
    assertThat(result.displaced()).isEmpty();
    assertThat(slot.getValue().connections()).containsExactly(otherPage, live);
  }

  @Test
  void anotherPageOfTheUserIsNeverDisplaced() {
    RegistryEntry tab1 = attempt("c1", "p1", 5000);
    RegistryEntry tab2 = attempt("c2", "p2", 0);
    Map.Entry<String, UserConnections> slot = user(tab1);
    RegisterConnection.Result result = new RegisterConnection(tab2, 10, false).process(slot);
    assertThat(result.accepted()).isTrue();
    assertThat(result.displaced()).isEmpty();
    assertThat(slot.getValue().connections()).containsExactly(tab1, tab2);
  }

  @Test
  void theSameConnectionRegisteringAgainDisplacesNothing() {
    // A repair that restores an entry the registry already has (its read raced the first
    // registration) must not
    // close the live connection as its own duplicate: found by the full-scale chaos run, two pages
    // closed with 4504.
    RegistryEntry live = attempt("c1", "p1", 0);
    Map.Entry<String, UserConnections> slot = user(live);
    RegisterConnection.Result result = new RegisterConnection(live, 10, false).process(slot);
    assertThat(result.accepted()).isTrue();
    assertThat(result.superseded()).isFalse();
    assertThat(result.displaced()).isEmpty();
    assertThat(slot.getValue().connections()).containsExactly(live);
  }

  private static RegistryEntry numbered(
      String connectionId, String page, long millis, long attemptNumber) {
    RegistryEntry entry = attempt(connectionId, page, millis);
    return new RegistryEntry(entry.identity(), entry.transport(), entry.openedAt(), attemptNumber);
  }

  @Test
  void aLowerAttemptNumberIsStaleEvenWhenAdmittedLater() {
    // Attempt 1 reached admission 2 s after attempt 2 was registered (a slow link, a busy node):
    // still the older one.
    RegistryEntry live = numbered("c2", "p1", 0, 2);
    RegistryEntry stale = numbered("c1", "p1", 2000, 1);
    Map.Entry<String, UserConnections> slot = user(live);
    RegisterConnection.Result result = new RegisterConnection(stale, 10, false).process(slot);
    assertThat(result.accepted()).isFalse();
    assertThat(result.superseded()).isTrue();
    assertThat(result.displaced()).isEmpty();
    assertThat(slot.getValue().connections()).containsExactly(live);
  }

  @Test
  void aHigherAttemptNumberDisplacesEvenWithAnEarlierClock() {
    // Another node's clock behind: the newer attempt's openedAt is earlier, its number decides.
    RegistryEntry old = numbered("c1", "p1", 5000, 1);
    RegistryEntry fresh = numbered("c2", "p1", 0, 2);
    Map.Entry<String, UserConnections> slot = user(old);
    RegisterConnection.Result result = new RegisterConnection(fresh, 10, false).process(slot);
    assertThat(result.accepted()).isTrue();
    assertThat(result.displaced()).containsExactly(old);
    assertThat(slot.getValue().connections()).containsExactly(fresh);
  }

  @Test
  void withoutNumbersOnBothSidesOpenedAtDecides() {
    RegistryEntry live = attempt("c2", "p1", 1500);
    RegistryEntry staleNumbered = numbered("c1", "p1", 0, 7);
    Map.Entry<String, UserConnections> slot = user(live);
    assertThat(new RegisterConnection(staleNumbered, 10, false).process(slot).superseded())
        .isTrue();
    RegistryEntry laterNumbered = numbered("c3", "p1", 3000, 7);
    RegisterConnection.Result result =
        new RegisterConnection(laterNumbered, 10, false).process(slot);
    assertThat(result.accepted()).isTrue();
    assertThat(result.displaced()).containsExactly(live);
  }

  @Test
  void theSameNumberTwiceFallsBackToOpenedAt() {
    RegistryEntry first = numbered("c1", "p1", 0, 3);
    RegistryEntry again = numbered("c2", "p1", 100, 3);
    Map.Entry<String, UserConnections> slot = user(first);
    RegisterConnection.Result result = new RegisterConnection(again, 10, false).process(slot);
    assertThat(result.accepted()).isTrue();
    assertThat(result.displaced()).containsExactly(first);
  }
}
