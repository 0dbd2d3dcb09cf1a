package dev.mesh.connection.serverapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.http.HttpDeadlines;
import dev.mesh.connection.session.TokenBucket;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * The server API over HTTP (docs/PROTOCOL.md §8.5): {@code POST /api/<method>} with a JSON object
 * body, answered 200 with the method's JSON result, or with {@code {"code", "message", "field"?}}
 * and the status of the failure. Before any body is read: the bearer token (401), then this node's
 * request rate (429); the body is read in memory up to {@link ServerApiOptions#maxBodyBytes()}
 * (413), under the request deadlines every Mesh server has.
 */
public final class ServerApiVerticle extends VerticleBase {

  private final ServerApiOptions options;
  private final MeshNode node;
  private final MeterRegistry meters;
  private final byte[] expectedAuthorization;
  private ServerApiMethods methods;
  private TokenBucket rate;
  private HttpDeadlines deadlines;
  private HttpServer server;

  public ServerApiVerticle(ServerApiOptions options, MeshNode node, MeterRegistry meters) {
    this.options = options;
    this.node = node;
    this.meters = meters;
    this.expectedAuthorization =
        options.token() == null
            ? null
            : ("Bearer " + options.token()).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Future<?> start() {
    methods = new ServerApiMethods(node);
    rate = new TokenBucket(options.ratePerSecond(), options.ratePerSecond() * 2, System.nanoTime());
    Router router = Router.router(vertx);
    router.route("/api/*").handler(this::admit);
    router
        .post("/api/:method")
        .handler(BodyHandler.create(false).setBodyLimit(options.maxBodyBytes()))
        .handler(this::call)
        .failureHandler(this::failed);
    router
        .route("/api/:method")
        .handler(
            ctx -> {
              ctx.response().putHeader("Allow", "POST");
              answer(
                  ctx,
                  "unknown",
                  new ApiError(405, null, "server API methods are called with POST"));
            });
    router
        .route()
        .handler(
            ctx ->
                answer(
                    ctx,
                    "unknown",
                    new ApiError(
                        ErrorCodes.NOT_FOUND,
                        null,
                        "no such path: the server API is POST /api/<method>")));
    deadlines = new HttpDeadlines(vertx, options.requestTimeout(), options.idleTimeout());
    return deadlines
        .createServer(new HttpServerOptions(), router, null)
        .listen(options.port(), options.host())
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    deadlines.stop();
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The port actually bound (when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** Credential, then rate: both before the body is read, so a refused caller costs no buffer. */
  private void admit(RoutingContext ctx) {
    String path = ctx.request().path();
    String method = methodTag(path.startsWith("/api/") ? path.substring("/api/".length()) : null);
    String given = ctx.request().getHeader("Authorization");
    if (expectedAuthorization != null
        && (given == null
            || !MessageDigest.isEqual(
                expectedAuthorization, given.getBytes(StandardCharsets.UTF_8)))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      refuseBeforeBody(
          ctx,
          method,
          new ApiError(
              ErrorCodes.UNAUTHORIZED,
              null,
              "Authorization: Bearer <MESH_SERVER_API_TOKEN> required"));
      return;
    }
    if (!rate.tryTake(System.nanoTime())) {
      refuseBeforeBody(
          ctx,
          method,
          new ApiError(
              ErrorCodes.LIMIT_REACHED,
              null,
              "more than "
                  + options.ratePerSecond()
                  + " requests per second on this node (MESH_SERVER_API_RATE)"));
      return;
    }
    ctx.next();
  }

  /** The body of a refused request is never read: the connection closes after the answer. */
  private void refuseBeforeBody(RoutingContext ctx, String method, ApiError error) {
    ctx.response().putHeader("Connection", "close");
    answer(ctx, method, error);
  }

  private void call(RoutingContext ctx) {
    String name = ctx.pathParam("method");
    ServerApiMethods.Method method = methods.method(name);
    if (method == null) {
      answer(
          ctx,
          "unknown",
          new ApiError(
              ErrorCodes.NOT_FOUND,
              null,
              "unknown method '"
                  + name
                  + "'; methods: "
                  + String.join(", ", new java.util.TreeSet<>(methods.names()))));
      return;
    }
    Future<?> outcome;
    try {
      outcome = method.call(parse(ctx.body().buffer()), ctx.request().headers());
    } catch (ApiError e) {
      answer(ctx, name, e);
      return;
    }
    outcome
        .onSuccess(
            result -> {
              count(name, 200);
              ctx.response()
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Cache-Control", "no-store")
                  .end(Json.encode(result));
            })
        .onFailure(e -> answer(ctx, name, ApiError.fromBus(e, Set.of())));
  }

  /** An absent body is {@code {}}; anything but a JSON object is a 400. */
  private static ApiBody parse(Buffer buffer) {
    if (buffer == null || buffer.length() == 0) {
      return new ApiBody(Json.MAPPER.createObjectNode());
    }
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(buffer.getBytes());
    } catch (IOException e) {
      throw ApiError.badField(
          null, "body must be a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (json == null || !json.isObject()) {
      throw ApiError.badField(null, "body must be a JSON object");
    }
    return new ApiBody((ObjectNode) json);
  }

  private void failed(RoutingContext ctx) {
    String method = methodTag(ctx.pathParam("method"));
    if (ctx.statusCode() == ErrorCodes.TOO_LARGE) {
      ctx.response().putHeader("Connection", "close");
      answer(
          ctx,
          method,
          new ApiError(
              ErrorCodes.TOO_LARGE, null, "body larger than " + options.maxBodyBytes() + " bytes"));
    } else if (ctx.failure() instanceof ApiError e) {
      answer(ctx, method, e);
    } else {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : ErrorCodes.INTERNAL;
      answer(
          ctx,
          method,
          new ApiError(
              status,
              null,
              ctx.failure() == null
                  ? "request failed"
                  : String.valueOf(ctx.failure().getMessage())));
    }
  }

  private String methodTag(String name) {
    return name != null && methods.method(name) != null ? name : "unknown";
  }

  private void count(String method, int status) {
    meters
        .counter(
            "mesh_server_api_requests_total", "method", method, "status", Integer.toString(status))
        .increment();
  }

  private void answer(RoutingContext ctx, String method, ApiError error) {
    if (ctx.response().ended()) {
      return;
    }
    count(method, error.status);
    ObjectNode json =
        Json.MAPPER.createObjectNode().put("code", error.status).put("message", error.getMessage());
    if (error.field != null) {
      json.put("field", error.field);
    }
    if (error.retryable()) {
      ctx.response().putHeader("Retry-After", Integer.toString(ApiError.RETRY_AFTER_SECONDS));
    }
    ctx.response()
        .setStatusCode(error.status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(json.toString());
  }
}
