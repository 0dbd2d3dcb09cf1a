package dev.mesh.connection.http;

import dev.mesh.connection.auth.AuthFailure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** JSON error bodies of the public HTTP endpoints (docs/PROTOCOL.md §2.3). */
final class HttpErrors {

  private HttpErrors() {}

  static void json(HttpServerResponse response, int status, String error, String message) {
    json(response, status, error, message, null);
  }

  /**
   * With {@code retryAfterMs}, the exact hint next to the whole seconds of the {@code Retry-After}
   * header.
   */
  static void json(
      HttpServerResponse response, int status, String error, String message, Long retryAfterMs) {
    if (response.ended() || response.closed()) {
      return;
    }
    JsonObject body = new JsonObject().put("error", error).put("message", message);
    if (retryAfterMs != null) {
      body.put("retryAfterMs", retryAfterMs);
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  static void authFailure(HttpServerResponse response, AuthFailure failure) {
    if (response.ended() || response.closed()) {
      return;
    }
    int status = failure.reason().status();
    if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(
            new JsonObject()
                .put("error", status == 403 ? "forbidden" : "unauthorized")
                .put("cause", failure.reason().tag())
                .put("message", failure.getMessage())
                .encode());
  }
}
