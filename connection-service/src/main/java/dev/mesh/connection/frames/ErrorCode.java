package dev.mesh.connection.frames;

/**
 * The codes of the server's {@code error} frames (docs/protocol/browser.md §3.4), each with the
 * status of the SSE {@code POST} response that carries it. The browser client spells the same codes
 * in {@code codes.js} ({@code ErrorCodes}); ClientCodesTest holds the two together.
 */
public enum ErrorCode {
  MALFORMED_JSON("malformed-json", 400),
  UNKNOWN_TYPE("unknown-type", 400),
  MISSING_FIELD("missing-field", 400),
  INVALID_FIELD("invalid-field", 400),
  /** WebSocket only (a binary frame); no SSE response carries it. */
  UNSUPPORTED_FRAME("unsupported-frame", 400),
  RATE_LIMITED("rate-limited", 429),
  FORBIDDEN("forbidden", 403),
  TOO_MANY_SUBSCRIPTIONS("too-many-subscriptions", 429),
  NOT_SUBSCRIBED("not-subscribed", 409),
  UNAVAILABLE("unavailable", 503),
  TOO_LARGE("too-large", 413),
  TOO_MANY_CHANNELS("too-many-channels", 429),
  /** SSE only: the {@code POST} names no live connection of the caller. */
  UNKNOWN_CONNECTION("unknown-connection", 404);

  private final String wireName;
  private final int status;

  ErrorCode(String wireName, int status) {
    this.wireName = wireName;
    this.status = status;
  }

  /** The {@code code} field of the error frame. */
  public String wireName() {
    return wireName;
  }

  /** The HTTP status of an SSE {@code POST} answered with this error. */
  public int status() {
    return status;
  }
}
