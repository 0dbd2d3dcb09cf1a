package dev.mesh.common.presence.state;

import java.util.Set;

/**
 * A tombstone: a connection known to be closed (kept {@link Timing#retentionMillis()}), with the
 * channels it was a member of, so that a duplicated close still reaches those channels and a late
 * open or join is ignored.
 */
public record ClosedConnection(String connectionId, long closedAt, Set<String> channels) {

  public ClosedConnection {
    channels = Set.copyOf(channels);
  }
}
