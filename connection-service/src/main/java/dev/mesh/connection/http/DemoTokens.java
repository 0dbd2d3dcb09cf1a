package dev.mesh.connection.http;

import dev.mesh.common.identity.ClientIds;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /demo/token?user=<name>} — only with {@code MESH_DEMO_TOKENS=true} (local runs, the
 * demo page): a one-hour HS256 token for any user name, allowed to subscribe to anything and
 * publish to {@code chat:*}. It exists so that the demo works without an identity provider; never
 * enable it in production.
 */
public final class DemoTokens {

  private final JWTAuth jwt;

  public DemoTokens(Vertx vertx, String secret) {
    this.jwt =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  public void handle(RoutingContext ctx) {
    String user = ctx.request().getParam("user");
    var problem = ClientIds.checkId("user", user);
    if (problem.isPresent()) {
      HttpErrors.json(ctx.response(), 400, "bad-request", problem.get());
      return;
    }
    JsonObject claims =
        new JsonObject()
            .put("sub", user)
            .put(
                "mesh",
                new JsonObject()
                    .put("subscribe", new JsonArray().add("*"))
                    .put("publish", new JsonArray().add("chat:*")))
            .put("info", new JsonObject().put("name", user));
    String token =
        jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInMinutes(60));
    ctx.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("token", token).put("expiresInSeconds", 3600).encode());
  }
}
