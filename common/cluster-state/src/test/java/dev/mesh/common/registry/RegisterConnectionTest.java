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
}
