package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;

/**
 * A connection leaves a channel's presence: explicitly ({@code reason} null) or because it closed.
 * Idempotent.
 */
public final class LeaveChannel extends ChannelUpdate {

  final String userId;
  final String connectionId;
  final CloseReason reason;
  final long at;
  final Timing timing;

  public LeaveChannel(
      String userId, String connectionId, CloseReason reason, long at, Timing timing) {
    this.userId = userId;
    this.connectionId = connectionId;
    this.reason = reason;
    this.at = at;
    this.timing = timing;
  }

  @Override
  ChannelState.Step apply(ChannelState current) {
    return current.left(userId, connectionId, reason, at, timing);
  }
}
