package dev.mesh.common.presence.state;

import java.util.List;

/**
 * What an update of one channel did: the member changes to publish (only the caller whose update
 * made them publishes them), for a join whether the connection is a member, and a snapshot when one
 * was asked for.
 */
public record ChannelOutcome(List<MemberChange> changes, Join join, ChannelView view) {

  public ChannelOutcome {
    changes = List.copyOf(changes);
  }

  /** The answer to a join. */
  public enum Join {
    /** The connection is a member (it already was, or it just became one). */
    JOINED,
    /** The channel is at its member limit; the user is not a member. */
    FULL,
    /** The connection has already left or closed: its join came too late. */
    CLOSED
  }
}
