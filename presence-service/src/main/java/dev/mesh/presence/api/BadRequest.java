package dev.mesh.presence.api;

import dev.mesh.common.bus.ErrorCodes;

/** A request presence refuses, with the {@link ErrorCodes} value to fail it with. */
final class BadRequest extends RuntimeException {

  private final int code;

  BadRequest(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  static BadRequest of(String message) {
    return new BadRequest(ErrorCodes.BAD_REQUEST, message);
  }

  int code() {
    return code;
  }
}
