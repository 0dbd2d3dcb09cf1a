package dev.mesh.common.presence.state;

/**
 * A connection joins a channel's presence; replies whether it is a member, with a snapshot of
 * {@code viewLimit}.
 */
public final class JoinChannel extends ChannelUpdate {

  final String userId;
  final String connectionId;
  final String info;
  final int maxMembers;
  final int viewLimit;
  final long at;
  final Timing timing;

  public JoinChannel(
      String userId,
      String connectionId,
      String info,
      int maxMembers,
      int viewLimit,
      long at,
      Timing timing) {
    this.userId = userId;
    this.connectionId = connectionId;
    this.info = info;
    this.maxMembers = maxMembers;
    this.viewLimit = viewLimit;
    this.at = at;
    this.timing = timing;
  }

  @Override
  ChannelState.Step apply(ChannelState current) {
    return current.joined(userId, connectionId, info, maxMembers, viewLimit, at, timing);
  }
}
