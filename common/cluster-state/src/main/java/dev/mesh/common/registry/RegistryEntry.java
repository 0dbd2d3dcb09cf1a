package dev.mesh.common.registry;

import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.time.Instant;

/**
 * One live connection as the registry knows it: its identity, transport, when it opened, and the
 * client's number of the attempt it was (the {@code attempt} parameter of {@code /ws} and {@code
 * /sse}; {@link #UNNUMBERED} for a client that does not number its attempts). Within one page, a
 * higher attempt is a newer one whatever the clocks or the order in which the registrations land
 * (docs/PROTOCOL.md 1.3).
 */
public record RegistryEntry(
    ConnectionIdentity identity, Transport transport, Instant openedAt, long attempt) {

  /** The attempt of a connection whose client sent no number. */
  public static final long UNNUMBERED = 0;

  public RegistryEntry {
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0");
    }
  }

  /** An entry of a client that does not number its attempts. */
  public RegistryEntry(ConnectionIdentity identity, Transport transport, Instant openedAt) {
    this(identity, transport, openedAt, UNNUMBERED);
  }

  public String connectionId() {
    return identity.connectionId();
  }

  public String nodeId() {
    return identity.nodeId();
  }

  /**
   * Whether this entry is a later attempt of the same page than {@code other}: by the attempt
   * numbers when both are numbered and differ (clocks of different nodes and the order of arrival
   * do not matter then), else by {@code openedAt}, the admitting node's clock.
   */
  public boolean newerAttemptThan(RegistryEntry other) {
    if (attempt != UNNUMBERED && other.attempt != UNNUMBERED && attempt != other.attempt) {
      return attempt > other.attempt;
    }
    return openedAt.isAfter(other.openedAt);
  }
}
