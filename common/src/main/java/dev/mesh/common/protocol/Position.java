package dev.mesh.common.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A place in a channel's history: {@code epoch} names one incarnation of the history (it changes when the history
 * is lost), {@code seq} counts events within it from 1. A client resumes from the last position it saw.
 */
public record Position(String epoch, long seq) {

  public Position {
    if (epoch == null || epoch.isBlank()) {
      throw new IllegalArgumentException("epoch is required");
    }
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0, was " + seq);
    }
  }

  /** The compact form used in SSE {@code id:} fields and URLs: {@code <epoch>:<seq>}. */
  @JsonIgnore
  public String compact() {
    return epoch + ":" + seq;
  }

  /** Parses {@link #compact()}; throws {@link IllegalArgumentException} with a clear message otherwise. */
  public static Position parse(String compact) {
    int colon = compact == null ? -1 : compact.lastIndexOf(':');
    if (colon <= 0 || colon == compact.length() - 1) {
      throw new IllegalArgumentException("position must look like <epoch>:<seq>, was " + compact);
    }
    try {
      return new Position(compact.substring(0, colon), Long.parseLong(compact.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("position seq must be a number, was " + compact);
    }
  }
}
