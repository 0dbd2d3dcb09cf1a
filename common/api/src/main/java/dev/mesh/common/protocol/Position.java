package dev.mesh.common.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A place in a channel's history: {@code epoch} names one incarnation of the history (it changes
 * when the history is lost), {@code seq} counts events within it from 1. A client resumes from the
 * last position it saw.
 */
public record Position(String epoch, long seq) {

  /**
   * The epoch of a channel that has no history yet: reading or subscribing to it creates nothing,
   * and {@code (UNBORN_EPOCH, 0)} continues into whatever epoch the channel's first publish
   * creates, without a reset (docs/PROTOCOL.md 6.1). Random epochs are longer, so this value is
   * never one of them.
   */
  public static final String UNBORN_EPOCH = "0";

  /** The position of a subscriber of a channel that has no history yet. */
  public static Position unborn() {
    return new Position(UNBORN_EPOCH, 0);
  }

  /** Whether this is {@link #unborn()}: before the first event of any epoch. */
  @JsonIgnore
  public boolean isUnborn() {
    return UNBORN_EPOCH.equals(epoch) && seq == 0;
  }

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

  /**
   * Parses {@link #compact()}; throws {@link IllegalArgumentException} with a clear message
   * otherwise.
   */
  public static Position parse(String compact) {
    int colon = compact == null ? -1 : compact.lastIndexOf(':');
    if (colon <= 0 || colon == compact.length() - 1) {
      throw new IllegalArgumentException("position must look like <epoch>:<seq>, was " + compact);
    }
    try {
      return new Position(
          compact.substring(0, colon), Long.parseLong(compact.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("position seq must be a number, was " + compact);
    }
  }
}
