package dev.mesh.common.bus;

/**
 * Failure codes carried by {@link io.vertx.core.eventbus.ReplyException#failureCode()} when a Mesh
 * responder calls {@code message.fail(code, reason)}. They follow the HTTP status meanings so an
 * HTTP facade can pass them through. Callers also see Vert.x's own failures: {@code
 * ReplyFailure.TIMEOUT} and {@code NO_HANDLERS} are retryable.
 */
public final class ErrorCodes {

  private ErrorCodes() {}

  /**
   * The request body is malformed, has a missing or invalid field, or names an invalid position.
   */
  public static final int BAD_REQUEST = 400;

  /** The caller is not authenticated. */
  public static final int UNAUTHORIZED = 401;

  /** The caller may not do this (e.g. subscribe to another user's private channel). */
  public static final int FORBIDDEN = 403;

  /** The thing addressed does not exist (e.g. a connection id that is not live). */
  public static final int NOT_FOUND = 404;

  /** The request conflicts with current state (e.g. a duplicate that cannot be reconciled). */
  public static final int CONFLICT = 409;

  /** The body or an event is larger than the configured maximum. */
  public static final int TOO_LARGE = 413;

  /** A limit was reached (rate, members per channel, connections per user). */
  public static final int LIMIT_REACHED = 429;

  /** Unexpected failure inside the responder; the message says what. */
  public static final int INTERNAL = 500;

  /**
   * The responder cannot serve now (e.g. shutting down, cluster storage unavailable); retry later.
   */
  public static final int UNAVAILABLE = 503;

  /** A dependency of the responder did not answer in time. */
  public static final int TIMEOUT = 504;

  /** Whether a caller may retry the same request unchanged. */
  public static boolean isRetryable(int code) {
    return code == UNAVAILABLE || code == TIMEOUT;
  }
}
