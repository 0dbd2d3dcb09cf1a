package dev.mesh.presence.api;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.http.HttpDeadlines;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.presence.PresenceOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;

/**
 * Read-only HTTP over the event-bus API (so validation and failure codes are the same; the HTTP
 * status is the {@code ErrorCodes} value): {@code GET /presence/users/{userId}}, {@code GET
 * /presence/users?ids=a,b}, {@code GET /presence/channels/{channel}?limit=n}, {@code GET
 * /presence/counts}.
 */
public final class PresenceHttpVerticle extends VerticleBase {

  /** Members listed by {@code /presence/channels/{channel}} without {@code limit}. */
  public static final int DEFAULT_LIMIT = 100;

  private final PresenceOptions options;
  private BusClient bus;
  private HttpServer server;

  public PresenceHttpVerticle(PresenceOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() {
    bus = new BusClient(vertx);
    Router router = Router.router(vertx);
    router.get("/presence/users/:userId").handler(this::user);
    router.get("/presence/users").handler(this::users);
    router.get("/presence/channels/:channel").handler(this::channel);
    router.get("/presence/counts").handler(this::counts);
    // Request and idle deadlines, as on every Mesh server: a slow or silent client cannot hold a
    // socket.
    return HttpDeadlines.defaults(vertx)
        .createServer(new HttpServerOptions(), router, null)
        .listen(options.httpPort(), options.httpHost())
        .onSuccess(s -> server = s);
  }

  /** The port listened on (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void user(RoutingContext ctx) {
    answer(
        ctx,
        bus.request(
                Addresses.PRESENCE_QUERY,
                PresenceQuery.of(ctx.pathParam("userId")),
                PresenceStatuses.class)
            .map(statuses -> statuses.users().get(0)));
  }

  private void users(RoutingContext ctx) {
    String ids = ctx.queryParams().get("ids");
    List<String> userIds =
        ids == null ? List.of() : Arrays.stream(ids.split(",")).map(String::trim).toList();
    answer(
        ctx,
        bus.request(Addresses.PRESENCE_QUERY, new PresenceQuery(userIds), PresenceStatuses.class));
  }

  private void channel(RoutingContext ctx) {
    String limit = ctx.queryParams().get("limit");
    int parsed;
    try {
      parsed =
          limit == null ? Math.min(DEFAULT_LIMIT, options.maxMembers()) : Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      error(ctx, ErrorCodes.BAD_REQUEST, "limit must be a whole number");
      return;
    }
    answer(
        ctx,
        bus.request(
            Addresses.PRESENCE_CHANNEL,
            new ChannelQuery(ctx.pathParam("channel"), parsed),
            ChannelMembers.class));
  }

  private void counts(RoutingContext ctx) {
    answer(
        ctx,
        bus.request(
            Addresses.PRESENCE_QUERY, new PresenceCountsQuery("http"), PresenceCounts.class));
  }

  private static void answer(RoutingContext ctx, Future<? extends Object> reply) {
    reply
        .onSuccess(
            body ->
                ctx.response().putHeader("content-type", "application/json").end(Json.encode(body)))
        .onFailure(
            e -> {
              if (e instanceof ReplyException re
                  && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
                error(ctx, re.failureCode(), re.getMessage());
              } else if (e instanceof ReplyException re
                  && re.failureType() == ReplyFailure.TIMEOUT) {
                error(ctx, ErrorCodes.TIMEOUT, re.getMessage());
              } else {
                error(ctx, ErrorCodes.UNAVAILABLE, e.getMessage());
              }
            });
  }

  private static void error(RoutingContext ctx, int code, String message) {
    ctx.response()
        .setStatusCode(code)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("code", code).put("message", message).encode());
  }
}
