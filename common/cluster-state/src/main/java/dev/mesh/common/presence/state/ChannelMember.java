package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.MemberState;
import java.util.Set;

/**
 * One user in a channel's presence.
 *
 * @param info the member info (JSON text) of the connection that made the user a member, or null
 * @param since when the user became a member (epoch millis)
 * @param connections the user's connections in the channel's presence; empty during a pending leave
 * @param leaveAt the pending leave's deadline, or {@link UserState#NEVER}
 * @param reason the close reason that started the pending leave
 */
public record ChannelMember(
    String userId,
    String info,
    long since,
    Set<String> connections,
    MemberState state,
    long leaveAt,
    CloseReason reason) {

  public ChannelMember {
    connections = Set.copyOf(connections);
  }

  ChannelMember with(
      Set<String> nextConnections,
      MemberState nextState,
      long nextLeaveAt,
      CloseReason nextReason) {
    return new ChannelMember(
        userId, info, since, nextConnections, nextState, nextLeaveAt, nextReason);
  }
}
