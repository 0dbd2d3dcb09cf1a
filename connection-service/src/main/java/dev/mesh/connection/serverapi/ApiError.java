package dev.mesh.connection.serverapi;

import dev.mesh.common.bus.ErrorCodes;
import io.vertx.core.eventbus.ReplyException;
import java.util.Set;

/**
 * A refused server-API request: the HTTP status (an {@link ErrorCodes} value), the request field at
 * fault when there is one, and a retry hint in seconds for 429, 503 and 504. Rendered as {@code
 * {"code", "message", "field"?}}.
 */
final class ApiError extends RuntimeException {

  /** Retry hint given with 429, 503 and 504. */
  static final int RETRY_AFTER_SECONDS = 1;

  final int status;
  final String field;

  ApiError(int status, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  static ApiError badField(String field, String message) {
    return new ApiError(ErrorCodes.BAD_REQUEST, field, message);
  }

  /** Whether the answer carries {@code Retry-After}. */
  boolean retryable() {
    return status == ErrorCodes.LIMIT_REACHED || ErrorCodes.isRetryable(status);
  }

  /**
   * The HTTP form of a failed bus request: Vert.x's timeout is 504, no handler (the service is not
   * running) 503, a responder's code passes through. A 400 names the field its message starts with,
   * when that is a request field.
   */
  static ApiError fromBus(Throwable failure, Set<String> fields) {
    if (failure instanceof ApiError error) {
      return error;
    }
    if (!(failure instanceof ReplyException reply)) {
      return new ApiError(ErrorCodes.INTERNAL, null, String.valueOf(failure.getMessage()));
    }
    return switch (reply.failureType()) {
      case TIMEOUT ->
          new ApiError(ErrorCodes.TIMEOUT, null, "the service did not answer in time; retry");
      case NO_HANDLERS ->
          new ApiError(ErrorCodes.UNAVAILABLE, null, "the service is not available; retry");
      default -> {
        int code =
            reply.failureCode() >= 400 && reply.failureCode() < 600
                ? reply.failureCode()
                : ErrorCodes.INTERNAL;
        String message = String.valueOf(reply.getMessage());
        String first = message.split("[^A-Za-z]", 2)[0];
        yield new ApiError(
            code, code == ErrorCodes.BAD_REQUEST && fields.contains(first) ? first : null, message);
      }
    };
  }
}
