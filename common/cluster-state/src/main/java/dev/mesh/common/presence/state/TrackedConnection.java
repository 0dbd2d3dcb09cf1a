package dev.mesh.common.presence.state;

import dev.mesh.common.identity.ConnectionIdentity;
import java.util.HashSet;
import java.util.Set;

/** An open connection counted for a user, with the channels whose presence it joined. */
public record TrackedConnection(
    String connectionId,
    String nodeId,
    String sessionId,
    String tabId,
    long openedAt,
    Set<String> channels) {

  public TrackedConnection {
    channels = Set.copyOf(channels);
  }

  public static TrackedConnection of(ConnectionIdentity identity, long openedAt) {
    return new TrackedConnection(
        identity.connectionId(),
        identity.nodeId(),
        identity.sessionId(),
        identity.tabId(),
        openedAt,
        Set.of());
  }

  TrackedConnection withChannel(String channel, boolean member) {
    Set<String> next = new HashSet<>(channels);
    boolean changed = member ? next.add(channel) : next.remove(channel);
    return changed
        ? new TrackedConnection(connectionId, nodeId, sessionId, tabId, openedAt, next)
        : this;
  }
}
