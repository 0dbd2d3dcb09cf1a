package dev.mesh.common.presence;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * A channel member is present, or reconnecting (its last connection in the channel closed
 * unintentionally).
 */
public enum MemberState {
  PRESENT("present"),
  RECONNECTING("reconnecting");

  private final String wireName;

  MemberState(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static MemberState fromWire(String name) {
    return Arrays.stream(values())
        .filter(s -> s.wireName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown member state: " + name));
  }
}
