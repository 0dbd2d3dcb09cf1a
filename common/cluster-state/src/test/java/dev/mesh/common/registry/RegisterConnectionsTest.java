package dev.mesh.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A batch of registrations decides exactly what the same registrations one by one would. */
@DisplayName("RegisterConnections: a batch is the registrations one after the other, per user")
class RegisterConnectionsTest {

  private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

  private static RegistryEntry attempt(String user, String connectionId, String page, long millis) {
    return new RegistryEntry(
        new ConnectionIdentity(user, "s", "t", page, connectionId, "node-a"),
        Transport.WEBSOCKET,
        T0.plusMillis(millis));
  }

  private static Map.Entry<String, UserConnections> slot(String user, RegistryEntry... entries) {
    return new AbstractMap.SimpleEntry<>(
        user, entries.length == 0 ? null : new UserConnections(List.of(entries)));
  }

  @Test
  @DisplayName(
      "same page twice in one batch: the newer displaces the older; a stale one is refused; the limit holds")
  void sameRulesInOrder() {
    RegistryEntry older = attempt("ann", "c1", "p1", 0);
    RegistryEntry newer = attempt("ann", "c2", "p1", 100);
    RegistryEntry stale = attempt("ann", "c0", "p1", -50);
    RegistryEntry secondTab = attempt("ann", "c3", "p2", 200);
    RegistryEntry thirdTab = attempt("ann", "c4", "p3", 300);
    List<RegisterConnection> registrations =
        List.of(
            new RegisterConnection(older, 2, false),
            new RegisterConnection(newer, 2, false),
            new RegisterConnection(stale, 2, false),
            new RegisterConnection(secondTab, 2, false),
            new RegisterConnection(thirdTab, 2, false));

    Map.Entry<String, UserConnections> batched = slot("ann");
    List<RegisterConnection.Result> results =
        new RegisterConnections(registrations).process(batched).results();

    Map.Entry<String, UserConnections> oneByOne = slot("ann");
    List<RegisterConnection.Result> expected = new ArrayList<>();
    registrations.forEach(r -> expected.add(r.process(oneByOne)));

    assertThat(results).isEqualTo(expected);
    assertThat(batched.getValue()).isEqualTo(oneByOne.getValue());
    assertThat(batched.getValue().connections()).containsExactly(newer, secondTab);
    assertThat(results.get(1).displaced()).containsExactly(older);
    assertThat(results.get(2).superseded()).isTrue();
    assertThat(results.get(4).accepted()).as("over the limit of 2").isFalse();
  }

  @Test
  @DisplayName(
      "each user's key gets only its own registrations; a refused-only batch leaves the entry untouched")
  void perUser() {
    RegistryEntry ann = attempt("ann", "a1", "p1", 0);
    RegistryEntry bob = attempt("bob", "b1", "p1", 0);
    RegisterConnections batch =
        new RegisterConnections(
            List.of(new RegisterConnection(ann, 10, false), new RegisterConnection(bob, 0, false)));
    assertThat(batch.users()).containsExactly("ann", "bob");
    Map.Entry<String, UserConnections> annSlot = slot("ann");
    assertThat(batch.process(annSlot).results())
        .singleElement()
        .matches(RegisterConnection.Result::accepted);
    assertThat(annSlot.getValue().connections()).containsExactly(ann);
    RegistryEntry bobsOther = attempt("bob", "b0", "p0", 0);
    Map.Entry<String, UserConnections> bobSlot = slot("bob", bobsOther);
    UserConnections before = bobSlot.getValue();
    assertThat(batch.process(bobSlot).results()).singleElement().matches(r -> !r.accepted());
    assertThat(bobSlot.getValue()).isSameAs(before);
  }

  @Test
  @DisplayName(
      "the batch and its results travel in their own binary form and behave the same after it")
  void serializers() {
    SerializationConfig config = new SerializationConfig();
    RegistrySerializers.register(config);
    InternalSerializationService service =
        new DefaultSerializationServiceBuilder().setConfig(config).build();
    RegistryEntry a = attempt("ann", "a1", "p1", 0);
    RegistryEntry b = attempt("ann", "a2", "p1", 10);
    RegisterConnections batch =
        new RegisterConnections(
            List.of(new RegisterConnection(a, 5, true), new RegisterConnection(b, 5, true)));
    Data data = service.toData(batch);
    assertThat(data.getType()).isEqualTo(RegistrySerializers.REGISTER_BATCH);
    RegisterConnections copy = service.toObject(data);
    Map.Entry<String, UserConnections> original = slot("ann");
    Map.Entry<String, UserConnections> copied = slot("ann");
    RegisterConnections.Results results = batch.process(original);
    assertThat(copy.process(copied)).isEqualTo(results);
    assertThat(copied.getValue()).isEqualTo(original.getValue());
    Data resultData = service.toData(results);
    assertThat(resultData.getType()).isEqualTo(RegistrySerializers.REGISTER_BATCH_RESULTS);
    assertThat((RegisterConnections.Results) service.toObject(resultData)).isEqualTo(results);
  }
}
