package dev.mesh.connection.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Instant;

/** Signs test tokens with the same library the server verifies them with. */
public final class Tokens {

  public static final String SECRET = "test-secret-that-is-at-least-32-bytes-long!";

  private final JWTAuth hs256;
  private final JWTAuth hs384;
  private final JWTAuth otherSecret;

  public Tokens(Vertx vertx) {
    hs256 =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    hs384 =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS384").setBuffer(SECRET)));
    otherSecret =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("HS256")
                        .setBuffer("another-secret-also-at-least-32-bytes!!")));
  }

  /** A valid HS256 token for {@code user}, expiring in an hour. */
  public String valid(String user) {
    return expiringAt(user, Instant.now().plusSeconds(3600));
  }

  public String expiringAt(String user, Instant exp) {
    return hs256.generateToken(
        new JsonObject().put("sub", user).put("exp", exp.getEpochSecond()),
        new JWTOptions().setAlgorithm("HS256"));
  }

  public String withClaims(JsonObject claims) {
    return hs256.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  public String expired(String user) {
    return expiringAt(user, Instant.now().minusSeconds(60));
  }

  public String badSignature(String user) {
    return otherSecret.generateToken(
        new JsonObject()
            .put("sub", user)
            .put("exp", Instant.now().plusSeconds(3600).getEpochSecond()),
        new JWTOptions().setAlgorithm("HS256"));
  }

  public String wrongAlgorithm(String user) {
    return hs384.generateToken(
        new JsonObject()
            .put("sub", user)
            .put("exp", Instant.now().plusSeconds(3600).getEpochSecond()),
        new JWTOptions().setAlgorithm("HS384"));
  }
}
