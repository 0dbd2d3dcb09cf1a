package dev.mesh.replay.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.http.HttpDeadlines;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.ReplayClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code POST /channels/{channel}/events} (body {@code {"id": "...", "data": <any JSON>,
 * "critical": false}}, optional header {@code X-Mesh-Publisher}, default {@value
 * #DEFAULT_PUBLISHER}) publishes an event and answers 201 with its position (200 with {@code
 * "duplicate": true} for a retried id); {@code GET
 * /channels/{channel}/events?after=<epoch>:<seq>&limit=<n>} reads the history. Both go through
 * {@link ReplayClient}, so they behave exactly like the event-bus API; its failure codes are HTTP
 * statuses already. With a token configured, both require {@code Authorization: Bearer <token>}
 * (else 401). Every error is a JSON body {@code {"code": <status>, "message": "..."}}.
 */
public final class ReplayHttpVerticle extends VerticleBase {

  /** Room for the id, flags and JSON syntax around the payload. */
  private static final int BODY_OVERHEAD = 1024;

  /** Publisher (dedupe scope) of a request without {@code X-Mesh-Publisher}. */
  public static final String DEFAULT_PUBLISHER = "http";

  private final String host;
  private final int port;
  private final int maxEventBytes;
  private final byte[] token;
  private ReplayClient replay;
  private HttpServer server;

  /** {@code token} null: no authentication (keep the port on a private network). */
  public ReplayHttpVerticle(String host, int port, int maxEventBytes, String token) {
    this.host = host;
    this.port = port;
    this.maxEventBytes = maxEventBytes;
    this.token = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Future<?> start() {
    replay = new ReplayClient(vertx);
    Router router = Router.router(vertx);
    router.route().handler(this::authenticate);
    router
        .post("/channels/:channel/events")
        .handler(BodyHandler.create(false).setBodyLimit(maxEventBytes + BODY_OVERHEAD))
        .handler(this::publish);
    router.get("/channels/:channel/events").handler(this::read);
    router.route().failureHandler(this::failed);
    // Request and idle deadlines, as on every Mesh server: a slow or silent client cannot hold a
    // socket.
    return HttpDeadlines.defaults(vertx)
        .createServer(new HttpServerOptions(), router, null)
        .listen(port, host)
        .onSuccess(s -> server = s);
  }

  /** The port actually bound (when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void authenticate(RoutingContext ctx) {
    String given = ctx.request().getHeader("Authorization");
    if (token == null
        || (given != null
            && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8)))) {
      ctx.next();
    } else {
      error(ctx, ErrorCodes.UNAUTHORIZED, "Authorization: Bearer <MESH_PUBLISH_TOKEN> required");
    }
  }

  private void publish(RoutingContext ctx) {
    JsonNode body;
    try {
      body =
          Json.MAPPER.readTree(
              ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (IOException e) {
      error(
          ctx,
          ErrorCodes.BAD_REQUEST,
          "body must be a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
      return;
    }
    if (body == null || !body.isObject()) {
      error(
          ctx,
          ErrorCodes.BAD_REQUEST,
          "body must be a JSON object {\"id\": ..., \"data\": ..., \"critical\": ...}");
      return;
    }
    JsonNode id = body.get("id");
    JsonNode critical = body.get("critical");
    if (id == null || !id.isTextual()) {
      error(ctx, ErrorCodes.BAD_REQUEST, "id is required and must be a string");
      return;
    }
    if (critical != null && !critical.isBoolean() && !critical.isNull()) {
      error(ctx, ErrorCodes.BAD_REQUEST, "critical must be true or false");
      return;
    }
    String publisher = ctx.request().getHeader("X-Mesh-Publisher");
    if (publisher != null && publisher.startsWith(ReplayClient.USER_CHANNEL_PREFIX)) {
      // user:<id> is the dedupe scope of a user's own publishes, and an HTTP caller is never a
      // verified user.
      error(
          ctx,
          ErrorCodes.BAD_REQUEST,
          "X-Mesh-Publisher must not start with user: (reserved for users' publishes)");
      return;
    }
    PublishRequest request =
        new PublishRequest(
            ctx.pathParam("channel"),
            id.asText(),
            body.get("data"),
            critical != null && critical.asBoolean(),
            publisher == null || publisher.isBlank() ? DEFAULT_PUBLISHER : publisher);
    replay
        .publish(request)
        .onSuccess(
            result -> {
              ObjectNode json = Json.MAPPER.valueToTree(result);
              json.put("position", result.position().compact());
              ctx.response()
                  .setStatusCode(result.duplicate() ? 200 : 201)
                  .putHeader("content-type", "application/json")
                  .end(json.toString());
            })
        .onFailure(failure -> replyFailure(ctx, failure));
  }

  private void read(RoutingContext ctx) {
    Position after = null;
    Integer limit = null;
    try {
      String afterParam = ctx.queryParams().get("after");
      if (afterParam != null && !afterParam.isEmpty()) {
        after = Position.parse(afterParam);
      }
      String limitParam = ctx.queryParams().get("limit");
      if (limitParam != null && !limitParam.isEmpty()) {
        limit = Integer.parseInt(limitParam);
      }
    } catch (NumberFormatException e) {
      error(ctx, ErrorCodes.BAD_REQUEST, "limit must be a whole number");
      return;
    } catch (IllegalArgumentException e) {
      error(ctx, ErrorCodes.BAD_REQUEST, "after: " + e.getMessage());
      return;
    }
    replay
        .history(ctx.pathParam("channel"), after, limit)
        .onSuccess(
            page ->
                ctx.response().putHeader("content-type", "application/json").end(Json.encode(page)))
        .onFailure(failure -> replyFailure(ctx, failure));
  }

  private void replyFailure(RoutingContext ctx, Throwable failure) {
    if (failure instanceof ReplyException reply) {
      int status =
          switch (reply.failureType()) {
            case TIMEOUT -> ErrorCodes.TIMEOUT;
            case NO_HANDLERS -> ErrorCodes.UNAVAILABLE;
            default ->
                reply.failureCode() >= 400 && reply.failureCode() < 600
                    ? reply.failureCode()
                    : ErrorCodes.INTERNAL;
          };
      error(ctx, status, reply.getMessage());
    } else {
      error(ctx, ErrorCodes.INTERNAL, String.valueOf(failure.getMessage()));
    }
  }

  private void failed(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : ErrorCodes.INTERNAL;
    String message =
        status == ErrorCodes.TOO_LARGE
            ? "body larger than " + (maxEventBytes + BODY_OVERHEAD) + " bytes"
            : ctx.failure() == null ? "request failed" : String.valueOf(ctx.failure().getMessage());
    error(ctx, status, message);
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ObjectNode json = Json.MAPPER.createObjectNode().put("code", status).put("message", message);
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(json.toString());
  }
}
