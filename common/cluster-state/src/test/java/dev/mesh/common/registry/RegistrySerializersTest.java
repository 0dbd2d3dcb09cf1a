package dev.mesh.common.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The registry's values and processors travel in their own binary form, not Java serialization, and
 * lose nothing.
 */
class RegistrySerializersTest {

  private final InternalSerializationService service;

  RegistrySerializersTest() {
    SerializationConfig config = new SerializationConfig();
    RegistrySerializers.register(config);
    service = new DefaultSerializationServiceBuilder().setConfig(config).build();
  }

  private static RegistryEntry entry(String connectionId, Transport transport) {
    return new RegistryEntry(
        new ConnectionIdentity(
            "user-é", "s1", "t1", "page-" + connectionId, connectionId, "node-a"),
        transport,
        Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
  }

  /**
   * A result as Hazelcast sends it back to the caller: registry entries are not Java-serializable.
   */
  private <T> T resultRoundTrip(T value) {
    return service.toObject(service.toData(value));
  }

  private <T> T roundTrip(T value, int expectedType) {
    Data data = service.toData(value);
    assertThat(data.getType())
        .as("serializer type id of %s", value.getClass().getSimpleName())
        .isEqualTo(expectedType);
    return service.toObject(data);
  }

  @Test
  void valuesAndResultsSurviveTheRoundTrip() {
    RegistryEntry ws = entry("c1", Transport.WEBSOCKET);
    RegistryEntry sse = entry("c2", Transport.SSE);
    assertThat(roundTrip(ws, RegistrySerializers.REGISTRY_ENTRY)).isEqualTo(ws);
    RegistryEntry numbered =
        new RegistryEntry(ws.identity(), ws.transport(), ws.openedAt(), 9_007_199_254_740_991L);
    assertThat(roundTrip(numbered, RegistrySerializers.REGISTRY_ENTRY)).isEqualTo(numbered);
    UserConnections user = new UserConnections(List.of(ws, sse));
    assertThat(roundTrip(user, RegistrySerializers.USER_CONNECTIONS)).isEqualTo(user);
    assertThat(roundTrip(UserConnections.empty(), RegistrySerializers.USER_CONNECTIONS))
        .isEqualTo(UserConnections.empty());
    RegisterConnection.Result result =
        new RegisterConnection.Result(true, List.of(ws), List.of(sse), 3, false);
    assertThat(roundTrip(result, RegistrySerializers.REGISTER_RESULT)).isEqualTo(result);
    RegisterConnection.Result stale =
        new RegisterConnection.Result(false, List.of(), List.of(), 1, true);
    assertThat(roundTrip(stale, RegistrySerializers.REGISTER_RESULT)).isEqualTo(stale);
  }

  @Test
  void processorsBehaveTheSameAfterTheRoundTrip() {
    RegistryEntry first = entry("c1", Transport.WEBSOCKET);
    RegistryEntry second = entry("c2", Transport.WEBSOCKET);
    RegisterConnection register =
        roundTrip(new RegisterConnection(second, 1, true), RegistrySerializers.REGISTER);
    Map.Entry<String, UserConnections> slot =
        new java.util.AbstractMap.SimpleEntry<>("user-é", new UserConnections(List.of(first)));
    RegisterConnection.Result result = register.process(slot);
    assertThat(result.evicted()).containsExactly(first);
    assertThat(slot.getValue().connections()).containsExactly(second);
    UnregisterConnection unregister =
        roundTrip(new UnregisterConnection("c2"), RegistrySerializers.UNREGISTER);
    assertThat(unregister.process(slot)).isTrue();
    assertThat(slot.getValue()).isNull();
  }

  @Test
  void nodeQueriesBehaveTheSameAfterTheRoundTrip() {
    RegistryEntry onA = entry("c1", Transport.WEBSOCKET);
    RegistryEntry onB =
        new RegistryEntry(
            new ConnectionIdentity("user-é", "s1", "t2", "page-c2", "c2", "node-b"),
            Transport.SSE,
            Instant.ofEpochSecond(1_700_000_000L));
    Map.Entry<String, UserConnections> slot =
        new java.util.AbstractMap.SimpleEntry<>("user-é", new UserConnections(List.of(onA, onB)));

    var count = NodeConnections.count("node-a");
    count.accumulate(slot);
    var copied = roundTrip(count, RegistrySerializers.NODE_COUNT);
    copied.combine(count);
    assertThat(copied.aggregate()).isEqualTo(2L);
    List<RegistryEntry> projected =
        roundTrip(NodeConnections.entries("node-b"), RegistrySerializers.NODE_ENTRIES)
            .transform(slot);
    assertThat(projected).containsExactly(onB);
    // Results cross the wire too, from the partition owner back to the caller.
    assertThat(resultRoundTrip(projected)).containsExactly(onB);

    PurgeNode purge = roundTrip(new PurgeNode("node-a"), RegistrySerializers.PURGE_NODE);
    List<RegistryEntry> purged = purge.process(slot);
    assertThat(purged).containsExactly(onA);
    assertThat(resultRoundTrip(purged)).containsExactly(onA);
    assertThat(slot.getValue().connections()).containsExactly(onB);
    var nobody = new java.util.AbstractMap.SimpleEntry<String, UserConnections>("ghost", null);
    assertThat(resultRoundTrip(purge.process(nobody))).isEmpty();
  }
}
