package dev.mesh.common.presence;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * What a {@link PresenceChanged} reports. User level: {@code online}, {@code reconnecting}, {@code
 * offline}. Channel level: {@code join}, {@code reconnecting}, {@code leave}; a {@code join} of a
 * member already known (after its {@code reconnecting}) means it is back.
 */
public enum PresenceChange {
  ONLINE("online"),
  RECONNECTING("reconnecting"),
  OFFLINE("offline"),
  JOIN("join"),
  LEAVE("leave");

  private final String wireName;

  PresenceChange(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static PresenceChange fromWire(String name) {
    return Arrays.stream(values())
        .filter(c -> c.wireName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown presence change: " + name));
  }
}
