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

/** A batch of removals decides exactly what the same removals one by one would. */
@DisplayName("UnregisterConnections: a batch is the removals one after the other, per user")
class UnregisterConnectionsTest {

  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

  private static RegistryEntry connection(String user, String connectionId, String page) {
    return new RegistryEntry(
        new ConnectionIdentity(user, "s", "t", page, connectionId, "node-a"),
        Transport.WEBSOCKET,
        T0);
  }

  private static Map.Entry<String, UserConnections> slot(String user, RegistryEntry... entries) {
    return new AbstractMap.SimpleEntry<>(
        user, entries.length == 0 ? null : new UserConnections(List.of(entries)));
  }

  @Test
  @DisplayName(
      "three of a user's four connections, one twice and one unknown: the same answers and entry as one by one")
  void sameRulesInOrder() {
    RegistryEntry c1 = connection("ann", "c1", "p1");
    RegistryEntry c2 = connection("ann", "c2", "p2");
    RegistryEntry c3 = connection("ann", "c3", "p3");
    RegistryEntry c4 = connection("ann", "c4", "p4");
    List<String> ids = List.of("c2", "c9", "c2", "c4", "c1");

    Map.Entry<String, UserConnections> batched = slot("ann", c1, c2, c3, c4);
    List<Map.Entry<String, String>> removals = new ArrayList<>();
    ids.forEach(id -> removals.add(Map.entry("ann", id)));
    List<Boolean> results = new UnregisterConnections(removals).process(batched).removed();

    Map.Entry<String, UserConnections> oneByOne = slot("ann", c1, c2, c3, c4);
    List<Boolean> expected = new ArrayList<>();
    ids.forEach(id -> expected.add(new UnregisterConnection(id).process(oneByOne)));

    assertThat(results).isEqualTo(expected).containsExactly(true, false, false, true, true);
    assertThat(batched.getValue()).isEqualTo(oneByOne.getValue());
    assertThat(batched.getValue().connections()).containsExactly(c3);
  }

  @Test
  @DisplayName(
      "each user's key gets only its own removals; the last connection removes the entry; "
          + "a batch that found nothing leaves the entry untouched")
  void perUser() {
    UnregisterConnections batch =
        new UnregisterConnections(
            List.of(Map.entry("ann", "a1"), Map.entry("bob", "b9"), Map.entry("ann", "a2")));
    assertThat(batch.users()).containsExactly("ann", "bob");

    Map.Entry<String, UserConnections> annSlot =
        slot("ann", connection("ann", "a1", "p1"), connection("ann", "a2", "p2"));
    assertThat(batch.process(annSlot).removed()).containsExactly(true, true);
    assertThat(annSlot.getValue()).as("ann's last connection went: no entry").isNull();

    Map.Entry<String, UserConnections> bobSlot = slot("bob", connection("bob", "b1", "p1"));
    UserConnections before = bobSlot.getValue();
    assertThat(batch.process(bobSlot).removed()).containsExactly(false);
    assertThat(bobSlot.getValue()).isSameAs(before);

    Map.Entry<String, UserConnections> nobody = slot("carl");
    assertThat(batch.process(nobody).removed()).isEmpty();
    assertThat(nobody.getValue()).isNull();
  }

  @Test
  @DisplayName(
      "the batch and its results travel in their own binary form and behave the same after it")
  void serializers() {
    SerializationConfig config = new SerializationConfig();
    RegistrySerializers.register(config);
    InternalSerializationService service =
        new DefaultSerializationServiceBuilder().setConfig(config).build();
    UnregisterConnections batch =
        new UnregisterConnections(
            List.of(Map.entry("ann", "a2"), Map.entry("bob", "b1"), Map.entry("ann", "a0")));
    Data data = service.toData(batch);
    assertThat(data.getType()).isEqualTo(RegistrySerializers.UNREGISTER_BATCH);
    UnregisterConnections copy = service.toObject(data);
    assertThat(copy.removals()).isEqualTo(batch.removals());

    Map.Entry<String, UserConnections> original =
        slot("ann", connection("ann", "a1", "p1"), connection("ann", "a2", "p2"));
    Map.Entry<String, UserConnections> copied =
        slot("ann", connection("ann", "a1", "p1"), connection("ann", "a2", "p2"));
    UnregisterConnections.Results results = batch.process(original);
    assertThat(copy.process(copied)).isEqualTo(results);
    assertThat(results.removed()).containsExactly(true, false);
    assertThat(copied.getValue()).isEqualTo(original.getValue());

    Data resultData = service.toData(results);
    assertThat(resultData.getType()).isEqualTo(RegistrySerializers.UNREGISTER_BATCH_RESULTS);
    assertThat((UnregisterConnections.Results) service.toObject(resultData)).isEqualTo(results);
  }
}
