package dev.mesh.common.events;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a client is connected. */
public enum Transport {
  WEBSOCKET("websocket"),
  SSE("sse");

  private final String wireName;

  Transport(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }
}
