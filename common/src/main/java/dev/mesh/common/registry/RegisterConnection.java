package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Atomically adds a connection to its user's entry. A connection of the same page is displaced (returned, so its
 * node can close it with "replaced"); if the user would then hold more than {@code maxPerUser} connections the new
 * one is refused and nothing changes.
 */
public final class RegisterConnection implements EntryProcessor<String, UserConnections, RegisterConnection.Result> {

  private final RegistryEntry entry;
  private final int maxPerUser;

  public RegisterConnection(RegistryEntry entry, int maxPerUser) {
    this.entry = entry;
    this.maxPerUser = maxPerUser;
  }

  @Override
  public Result process(Map.Entry<String, UserConnections> mapEntry) {
    UserConnections current = mapEntry.getValue() == null ? UserConnections.empty() : mapEntry.getValue();
    String pageId = entry.identity().pageId();
    List<RegistryEntry> displaced = current.connections().stream()
        .filter(c -> c.identity().pageId().equals(pageId))
        .toList();
    UserConnections remaining = current.without(c -> c.identity().pageId().equals(pageId));
    if (remaining.connections().size() >= maxPerUser) {
      return new Result(false, List.of(), remaining.connections().size());
    }
    UserConnections next = remaining.with(entry);
    mapEntry.setValue(next);
    return new Result(true, displaced, next.connections().size());
  }

  /**
   * @param accepted  whether the connection was registered
   * @param displaced connections of the same page it replaced (normally zero or one)
   * @param count     the user's connection count after the call
   */
  public record Result(boolean accepted, List<RegistryEntry> displaced, int count) implements Serializable {
  }
}
