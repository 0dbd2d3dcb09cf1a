package dev.mesh.common.replay;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * Why a history request could not be answered with exactly the events after the caller's position.
 * The caller must reload its state and continue from {@link HistoryPage#next()}; a partial replay
 * is never given instead.
 */
public enum ResetCause {
  /**
   * The position's epoch is not the channel's: the history it belongs to was lost (restart,
   * destroyed, expired).
   */
  EPOCH_CHANGED("epoch-changed"),
  /**
   * Events after the position were dropped from the history (capacity or age) before the caller
   * asked.
   */
  POSITION_TOO_OLD("position-too-old"),
  /**
   * The position is after the newest event of the epoch: it was never given out by this history
   * (clients are told {@code epoch-changed}: the history they knew no longer exists).
   */
  AHEAD("ahead");

  private final String wireName;

  ResetCause(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static ResetCause fromWire(String name) {
    return Arrays.stream(values())
        .filter(cause -> cause.wireName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown reset cause: " + name));
  }
}
