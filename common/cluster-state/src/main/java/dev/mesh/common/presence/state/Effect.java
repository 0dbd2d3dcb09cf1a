package dev.mesh.common.presence.state;

import dev.mesh.common.presence.PresenceChange;

/**
 * What one atomic update did to a user, or to one member of a channel. Most effects are visible as
 * a {@link PresenceChange}; starting or cancelling a debounce is not (that is its purpose).
 */
public enum Effect {
  NONE(null, null),
  /** First connection: the user came online / became a member. */
  CAME_ONLINE(PresenceChange.ONLINE, PresenceChange.JOIN),
  GRACE_STARTED(PresenceChange.RECONNECTING, PresenceChange.RECONNECTING),
  DEBOUNCE_STARTED(null, null),
  /** A return inside the grace period: back online, without any offline. */
  GRACE_CANCELLED(PresenceChange.ONLINE, PresenceChange.JOIN),
  /** A return inside the debounce: nothing was ever visible. */
  DEBOUNCE_CANCELLED(null, null),
  GRACE_EXPIRED(PresenceChange.OFFLINE, PresenceChange.LEAVE),
  DEBOUNCE_EXPIRED(PresenceChange.OFFLINE, PresenceChange.LEAVE),
  /** Offline (or left) at once: kicked, policy, or an explicit leave. */
  ENDED_AT_ONCE(PresenceChange.OFFLINE, PresenceChange.LEAVE);

  private final PresenceChange userChange;
  private final PresenceChange channelChange;

  Effect(PresenceChange userChange, PresenceChange channelChange) {
    this.userChange = userChange;
    this.channelChange = channelChange;
  }

  /** The user-level change to publish, or null. */
  public PresenceChange userChange() {
    return userChange;
  }

  /** The channel-level change to publish for the member, or null. */
  public PresenceChange channelChange() {
    return channelChange;
  }
}
