package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several {@link UnregisterConnection}s in one Hazelcast call: the connections a node closed
 * together, for {@code IMap.submitToKeys} over their users' keys. Each user's removals are applied
 * in the order given by exactly the rule of {@link UnregisterConnection}, atomically on the user's
 * key, and the entry is written back once: a batch changes nothing about what is registered, only
 * how many calls a mass close takes. Backups run the same processor.
 */
public final class UnregisterConnections
    implements EntryProcessor<String, UserConnections, UnregisterConnections.Results> {

  private final Map<String, List<String>> byUser;

  /** {@code removals} (user id, connection id) in the order asked; each user's keep their order. */
  public UnregisterConnections(List<Map.Entry<String, String>> removals) {
    Map<String, List<String>> grouped = new LinkedHashMap<>();
    for (Map.Entry<String, String> removal : removals) {
      grouped.computeIfAbsent(removal.getKey(), k -> new ArrayList<>()).add(removal.getValue());
    }
    this.byUser = grouped;
  }

  /** Every removal as (user id, connection id), users in first-seen order, each user's in order. */
  List<Map.Entry<String, String>> removals() {
    List<Map.Entry<String, String>> all = new ArrayList<>();
    byUser.forEach((user, ids) -> ids.forEach(id -> all.add(Map.entry(user, id))));
    return all;
  }

  /** The users' keys this batch writes. */
  public java.util.Set<String> users() {
    return byUser.keySet();
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // identity on purpose: a removal that found nothing
  public Results process(Map.Entry<String, UserConnections> mapEntry) {
    List<String> mine = byUser.getOrDefault(mapEntry.getKey(), List.of());
    UserConnections original = mapEntry.getValue();
    Map.Entry<String, UserConnections> slot =
        new AbstractMap.SimpleEntry<>(mapEntry.getKey(), original);
    List<Boolean> removed = new ArrayList<>(mine.size());
    for (String connectionId : mine) {
      removed.add(new UnregisterConnection(connectionId).process(slot));
    }
    if (slot.getValue() != original) {
      mapEntry.setValue(slot.getValue());
    }
    return new Results(removed);
  }

  /** Whether each removal of the user found its connection, in the order they were given. */
  public record Results(List<Boolean> removed) {}
}
