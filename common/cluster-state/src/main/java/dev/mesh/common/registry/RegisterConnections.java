package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several {@link RegisterConnection}s in one Hazelcast call: the registrations a connection node
 * admitted together, for {@code IMap.submitToKeys} over their users' keys. Each user's
 * registrations are applied in the order given, one after the other, by exactly the rule of {@link
 * RegisterConnection} (same page displaced, or this one refused as stale; then the per-user limit),
 * atomically on the user's key: a batch changes nothing about what is registered, only how many
 * calls it takes. Backups run the same processor.
 */
public final class RegisterConnections
    implements EntryProcessor<String, UserConnections, RegisterConnections.Results> {

  private final Map<String, List<RegisterConnection>> byUser;

  /** {@code registrations} in admission order; each user's keep their relative order. */
  public RegisterConnections(List<RegisterConnection> registrations) {
    Map<String, List<RegisterConnection>> grouped = new LinkedHashMap<>();
    for (RegisterConnection registration : registrations) {
      grouped
          .computeIfAbsent(registration.entry().identity().userId(), k -> new ArrayList<>())
          .add(registration);
    }
    this.byUser = grouped;
  }

  /** Every registration, users in first-seen order, each user's in order. */
  List<RegisterConnection> registrations() {
    return byUser.values().stream().flatMap(List::stream).toList();
  }

  /** The users' keys this batch writes. */
  public java.util.Set<String> users() {
    return byUser.keySet();
  }

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // identity on purpose: a registration that changed nothing keeps the
  // value
  public Results process(Map.Entry<String, UserConnections> mapEntry) {
    List<RegisterConnection> mine = byUser.getOrDefault(mapEntry.getKey(), List.of());
    // Applied one by one to a copy of the entry, written back once.
    UserConnections original = mapEntry.getValue();
    Map.Entry<String, UserConnections> slot =
        new AbstractMap.SimpleEntry<>(mapEntry.getKey(), original);
    List<RegisterConnection.Result> results = new ArrayList<>(mine.size());
    for (RegisterConnection registration : mine) {
      results.add(registration.process(slot));
    }
    if (slot.getValue() != original) {
      mapEntry.setValue(slot.getValue());
    }
    return new Results(results);
  }

  /** One result per registration of the user, in the order they were given. */
  public record Results(List<RegisterConnection.Result> results) {}
}
