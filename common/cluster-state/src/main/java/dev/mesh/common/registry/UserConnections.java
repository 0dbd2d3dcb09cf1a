package dev.mesh.common.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The value of the registry map for one user: their live connections, oldest first. Immutable. */
public record UserConnections(List<RegistryEntry> connections) {

  public UserConnections {
    connections = List.copyOf(connections);
  }

  public static UserConnections empty() {
    return new UserConnections(List.of());
  }

  public UserConnections with(RegistryEntry entry) {
    List<RegistryEntry> next = new ArrayList<>(connections);
    next.add(entry);
    return new UserConnections(next);
  }

  public UserConnections without(Predicate<RegistryEntry> removed) {
    return new UserConnections(connections.stream().filter(removed.negate()).toList());
  }

  public boolean isEmpty() {
    return connections.isEmpty();
  }
}
