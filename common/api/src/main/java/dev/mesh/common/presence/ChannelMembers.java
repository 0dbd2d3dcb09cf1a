package dev.mesh.common.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;
import java.time.Instant;
import java.util.List;

/**
 * Reply to {@link ChannelQuery} and {@link ChannelMembership}: the channel's members, oldest first.
 *
 * @param count members in total (present and reconnecting)
 * @param members at most the {@code limit} asked
 * @param truncated whether {@code members} lists fewer than {@code count}
 * @param joined for a join: whether the connection is a member (false when the channel is full);
 *     else absent
 * @param version the channel's version when read: a {@link PresenceChanged} of this channel with a
 *     version not above it is already reflected here
 */
public record ChannelMembers(
    String channel,
    int count,
    List<Member> members,
    boolean truncated,
    Boolean joined,
    long version)
    implements MeshMessage {

  /**
   * One member: a user with at least one connection in the channel's presence, or within its
   * window.
   */
  public record Member(String userId, MemberState state, JsonNode info, Instant since) {}
}
