package dev.mesh.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.List;
import java.util.Map;

/**
 * Atomically adds a connection to its user's entry. A connection of the same page is displaced
 * (returned, so its node can close it with "replaced"). If the user would then hold more than
 * {@code maxPerUser} connections, either the new one is refused and nothing changes, or (with
 * {@code evictOldest}) the oldest is evicted and returned. A connection of the same page that is a
 * newer attempt ({@link RegistryEntry#newerAttemptThan}) is never displaced: the one registering is
 * then stale and refused ({@link Result#superseded()}).
 */
public final class RegisterConnection
    implements EntryProcessor<String, UserConnections, RegisterConnection.Result> {

  private final RegistryEntry entry;
  private final int maxPerUser;
  private final boolean evictOldest;

  public RegisterConnection(RegistryEntry entry, int maxPerUser, boolean evictOldest) {
    this.entry = entry;
    this.maxPerUser = maxPerUser;
    this.evictOldest = evictOldest;
  }

  RegistryEntry entry() {
    return entry;
  }

  int maxPerUser() {
    return maxPerUser;
  }

  boolean evictOldest() {
    return evictOldest;
  }

  @Override
  public Result process(Map.Entry<String, UserConnections> mapEntry) {
    UserConnections current =
        mapEntry.getValue() == null ? UserConnections.empty() : mapEntry.getValue();
    String pageId = entry.identity().pageId();
    // A page has one live attempt at a time, its latest. An older attempt whose registration
    // arrives late (a slow
    // node, the client already gone to another node) must not displace the newer one, which would
    // close the live
    // connection with a terminal 4504 (found by the full chaos run). Numbered attempts decide by
    // their numbers: an
    // attempt admitted late on a node is still the older one, whatever that node's clock says.
    boolean superseded =
        current.connections().stream()
            .anyMatch(c -> c.identity().pageId().equals(pageId) && c.newerAttemptThan(entry));
    if (superseded) {
      return new Result(false, List.of(), List.of(), current.connections().size(), true);
    }
    // The same connection registering again (a repair restoring its entry) refreshes it and
    // displaces nothing.
    List<RegistryEntry> displaced =
        current.connections().stream()
            .filter(
                c ->
                    c.identity().pageId().equals(pageId)
                        && !c.connectionId().equals(entry.connectionId()))
            .toList();
    UserConnections remaining = current.without(c -> c.identity().pageId().equals(pageId));
    List<RegistryEntry> evicted = List.of();
    if (remaining.connections().size() >= maxPerUser) {
      if (!evictOldest) {
        return new Result(false, List.of(), List.of(), remaining.connections().size(), false);
      }
      int excess = remaining.connections().size() - maxPerUser + 1;
      evicted = remaining.connections().subList(0, excess);
      remaining =
          new UserConnections(
              remaining.connections().subList(excess, remaining.connections().size()));
    }
    UserConnections next = remaining.with(entry);
    mapEntry.setValue(next);
    return new Result(true, displaced, evicted, next.connections().size(), false);
  }

  /**
   * What the registration did.
   *
   * @param accepted whether the connection was registered
   * @param displaced connections of the same page it replaced (normally zero or one)
   * @param evicted the user's oldest connections removed to make room (only with evictOldest)
   * @param count the user's connection count after the call
   * @param superseded refused because a newer connection of the same page is registered (this one
   *     is stale)
   */
  public record Result(
      boolean accepted,
      List<RegistryEntry> displaced,
      List<RegistryEntry> evicted,
      int count,
      boolean superseded) {}
}
