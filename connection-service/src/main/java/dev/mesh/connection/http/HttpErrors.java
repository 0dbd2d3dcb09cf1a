package dev.mesh.connection.http;

import dev.mesh.connection.auth.AuthFailure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** JSON error bodies of the public HTTP endpoints (docs/PROTOCOL.md §2.3). */
final class HttpErrors {

  private HttpErrors() {
  }

  static void json(HttpServerResponse response, int status, String error, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("error", error).put("message", message).encode());
  }

  static void authFailure(HttpServerResponse response, AuthFailure failure) {
    if (response.ended() || response.closed()) {
      return;
    }
    int status = failure.reason().status();
    if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject()
            .put("error", status == 403 ? "forbidden" : "unauthorized")
            .put("cause", failure.reason().tag())
            .put("message", failure.getMessage())
            .encode());
  }
}
