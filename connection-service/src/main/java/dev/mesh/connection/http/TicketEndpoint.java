package dev.mesh.connection.http;

import dev.mesh.connection.auth.AuthFailure;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.OriginPolicy;
import dev.mesh.connection.auth.TicketStore;
import dev.mesh.connection.frames.ErrorCode;
import dev.mesh.connection.ops.ConnectionMetrics;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code POST /auth/ticket} (docs/PROTOCOL.md §2.4): a browser trades its bearer token for a
 * single-use ticket to put in the WebSocket or EventSource URL, valid for {@code
 * min(MESH_TICKET_TTL, exp - now)}.
 */
public final class TicketEndpoint {

  private final ConnectionMetrics metrics;
  private final Authenticator authenticator;
  private final TicketStore tickets;
  private final OriginPolicy origins;
  private final Doors doors;

  public TicketEndpoint(
      AuthOptions auth,
      ConnectionMetrics metrics,
      Authenticator authenticator,
      TicketStore tickets,
      Doors doors) {
    this.metrics = metrics;
    this.authenticator = authenticator;
    this.tickets = tickets;
    this.doors = doors;
    this.origins = new OriginPolicy(auth.allowedOrigins());
  }

  public void handle(RoutingContext ctx) {
    int wait =
        doors.admit(Doors.Door.TICKET, ctx.request().remoteAddress(), ctx.request().headers());
    if (wait > 0) {
      HttpErrors.json(
          ctx.response().putHeader("Retry-After", Integer.toString(wait)),
          429,
          ErrorCode.RATE_LIMITED.wireName(),
          "too many ticket requests from your address: retry after " + wait + " s");
      return;
    }
    if (!origins.allows(ctx.request().getHeader("Origin"), ctx.request().getHeader("Host"))) {
      refuse(ctx, new AuthFailure(AuthFailure.Cause.ORIGIN, "origin not allowed"));
      return;
    }
    authenticator
        .authenticateBearer(ctx.request().headers())
        .compose(
            verified -> {
              Duration untilExpiry = Duration.between(Instant.now(), verified.expiresAt());
              Duration shortest =
                  untilExpiry.compareTo(tickets.ttl()) < 0 ? untilExpiry : tickets.ttl();
              Duration ttl = shortest.toMillis() < 1 ? Duration.ofMillis(1) : shortest;
              return tickets
                  .issue(verified, ttl)
                  .map(
                      ticket ->
                          new JsonObject()
                              .put("ticket", ticket)
                              .put("expiresInMs", ttl.toMillis()));
            })
        .onSuccess(
            body ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store")
                    .end(body.encode()))
        .onFailure(
            e -> {
              if (!(e instanceof AuthFailure failure)) {
                HttpErrors.json(
                    ctx.response(),
                    503,
                    ErrorCode.UNAVAILABLE.wireName(),
                    "cannot issue a ticket now: try again");
                return;
              }
              refuse(ctx, failure);
            });
  }

  private void refuse(RoutingContext ctx, AuthFailure failure) {
    metrics.authFailure(failure.reason().tag());
    AuthLog.refused(failure, ctx.request().remoteAddress(), ctx.request().headers());
    HttpErrors.authFailure(ctx.response(), failure);
  }
}
