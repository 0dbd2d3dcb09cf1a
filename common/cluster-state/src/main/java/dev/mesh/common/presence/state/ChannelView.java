package dev.mesh.common.presence.state;

import dev.mesh.common.presence.MemberState;
import java.util.List;

/** A snapshot of a channel's members, oldest first, limited; {@code count} is the total. */
public record ChannelView(int count, long version, List<Member> members, boolean truncated) {

  public ChannelView {
    members = List.copyOf(members);
  }

  /** One member as listed; {@code info} is JSON text or null. */
  public record Member(String userId, MemberState state, String info, long since) {}
}
