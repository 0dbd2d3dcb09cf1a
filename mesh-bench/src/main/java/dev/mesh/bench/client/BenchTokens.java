package dev.mesh.bench.client;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Instant;

/**
 * Signs HS256 tokens like an application would: one real identity ({@code sub}) per simulated user.
 */
public final class BenchTokens {

  private final JWTAuth auth;

  public BenchTokens(Vertx vertx, String secret) {
    auth =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  /**
   * A token for {@code userId}, valid for two hours, allowed to subscribe and publish anywhere but
   * user channels.
   */
  public String token(String userId) {
    JsonObject claims =
        new JsonObject()
            .put("sub", userId)
            .put("exp", Instant.now().plusSeconds(7200).getEpochSecond())
            .put(
                "mesh",
                new JsonObject()
                    .put("subscribe", new JsonArray().add("*"))
                    .put("publish", new JsonArray().add("*")));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }
}
