package dev.mesh.common.presence;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * A user's presence: online while any connection is open, reconnecting during a grace period, else
 * offline.
 */
public enum PresenceStatus {
  ONLINE("online"),
  /**
   * The last connection closed unintentionally; offline when the grace period ends without a
   * reconnect.
   */
  RECONNECTING("reconnecting"),
  OFFLINE("offline");

  private final String wireName;

  PresenceStatus(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static PresenceStatus fromWire(String name) {
    return Arrays.stream(values())
        .filter(s -> s.wireName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown presence status: " + name));
  }
}
