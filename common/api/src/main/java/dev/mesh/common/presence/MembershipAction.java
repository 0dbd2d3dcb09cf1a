package dev.mesh.common.presence;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * What a {@link ChannelMembership} request does: a connection joins or (explicitly) leaves a
 * channel's presence.
 */
public enum MembershipAction {
  JOIN("join"),
  LEAVE("leave");

  private final String wireName;

  MembershipAction(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static MembershipAction fromWire(String name) {
    return Arrays.stream(values())
        .filter(a -> a.wireName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown membership action: " + name));
  }
}
