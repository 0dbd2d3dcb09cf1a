package dev.mesh.connection.http;

import dev.mesh.connection.auth.AuthFailure;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.auth.OriginPolicy;
import dev.mesh.connection.ops.ConnectionMetrics;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * CORS for origins allowed by {@code MESH_ALLOWED_ORIGINS} (docs/PROTOCOL.md §2.5), in place of
 * Vert.x's CorsHandler, which refuses an unlisted origin itself with a plain-text 403 that the
 * documented JSON body, the metric and the log never saw. Here an allowed cross-origin request gets
 * its CORS headers (with credentials, except under {@code *}) and goes on; a preflight is answered
 * here (an unlisted origin gets the JSON 403 {@code origin}, counted); any other request from an
 * unlisted origin goes on without CORS headers, and the protected endpoints refuse it themselves.
 */
public final class CrossOrigin {

  static final String ALLOWED_HEADERS = "Authorization, Content-Type, Last-Event-ID";
  static final String ALLOWED_METHODS = "GET, POST";
  static final String MAX_AGE_SECONDS = "600";

  private final ConnectionMetrics metrics;
  private final OriginPolicy origins;

  public CrossOrigin(AuthOptions auth, ConnectionMetrics metrics) {
    this.metrics = metrics;
    this.origins = new OriginPolicy(auth.allowedOrigins());
  }

  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String origin = request.getHeader("Origin");
    if (origin == null || OriginPolicy.sameOrigin(origin, request.getHeader("Host"))) {
      ctx.next();
      return;
    }
    boolean allowed = origins.allows(origin, request.getHeader("Host"));
    HttpServerResponse response = ctx.response();
    boolean preflight =
        request.method().equals(HttpMethod.OPTIONS)
            && request.getHeader("Access-Control-Request-Method") != null;
    if (preflight && !allowed) {
      AuthFailure failure = new AuthFailure(AuthFailure.Cause.ORIGIN, "origin not allowed");
      metrics.authFailure(failure.reason().tag());
      AuthLog.refused(failure, request.remoteAddress(), request.headers());
      HttpErrors.authFailure(response, failure);
      return;
    }
    if (allowed) {
      response.putHeader("Vary", "Origin");
      if (origins.any()) {
        response.putHeader("Access-Control-Allow-Origin", "*");
      } else {
        response
            .putHeader("Access-Control-Allow-Origin", origin)
            .putHeader("Access-Control-Allow-Credentials", "true");
      }
      if (preflight) {
        response
            .putHeader("Access-Control-Allow-Methods", ALLOWED_METHODS)
            .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
            .putHeader("Access-Control-Max-Age", MAX_AGE_SECONDS)
            .setStatusCode(204)
            .end();
        return;
      }
      response.putHeader("Access-Control-Expose-Headers", "Retry-After");
    }
    ctx.next();
  }
}
