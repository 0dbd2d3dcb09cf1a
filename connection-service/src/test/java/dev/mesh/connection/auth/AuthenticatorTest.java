package dev.mesh.connection.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token verification without a server: the HS256 checks done by {@link Authenticator} itself
 * (signature, exp, nbf, iat, sub, iss, aud) accept exactly what they should and name the cause of
 * every refusal.
 */
class AuthenticatorTest {

  private static final String SECRET = "authenticator-test-secret-of-32-bytes!!";
  private static Vertx vertx;
  private static JWTAuth signer;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    signer =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static String token(JsonObject claims) {
    return signer.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  private static JsonObject valid() {
    return new JsonObject().put("sub", "alice").put("exp", Instant.now().getEpochSecond() + 600);
  }

  private static AuthOptions options(String issuer, String audience) {
    return AuthOptions.forTest(SECRET).withClaimChecks(issuer, audience);
  }

  private static Future<VerifiedToken> verify(AuthOptions options, String token) {
    return new Authenticator(vertx, options, null).verify(token);
  }

  private static VerifiedToken verified(Authenticator authenticator, String token)
      throws Exception {
    return authenticator.verify(token).toCompletionStage().toCompletableFuture().get();
  }

  private static AuthFailure.Cause refusal(AuthOptions options, String token) throws Exception {
    Future<VerifiedToken> result = verify(options, token);
    try {
      result.toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(AuthFailure.class);
      return ((AuthFailure) e.getCause()).reason();
    }
    throw new AssertionError("token was accepted: " + token);
  }

  @Test
  void acceptsAValidTokenAndKeepsItsClaims() throws Exception {
    JsonObject claims = valid().put("channels", new JsonArray().add("room:*"));
    VerifiedToken verified =
        verify(AuthOptions.forTest(SECRET), token(claims))
            .toCompletionStage()
            .toCompletableFuture()
            .get();
    assertThat(verified.userId()).isEqualTo("alice");
    assertThat(verified.claims().getJsonArray("channels")).containsExactly("room:*");
    assertThat(verified.expiresAt().getEpochSecond()).isEqualTo(claims.getLong("exp"));
  }

  @Test
  void aTokenVerifiedOnceIsServedFromTheNodesCacheAfterwards() throws Exception {
    VerifiedTokenCache cache = new VerifiedTokenCache(10, 0);
    Authenticator authenticator =
        new Authenticator(vertx, AuthOptions.forTest(SECRET), null, cache);
    String token = token(valid());
    VerifiedToken first = verified(authenticator, token);
    VerifiedToken again = verified(authenticator, token);

    assertThat(cache.size()).isEqualTo(1);
    assertThat(again).as("the kept verification, not a second one").isSameAs(first);
    assertThat(
            new Authenticator(vertx, AuthOptions.forTest(SECRET), null, cache)
                .verify(token)
                .toCompletionStage()
                .toCompletableFuture()
                .get())
        .as("another loop of the node shares it")
        .isSameAs(first);
  }

  @Test
  void aKeptTokenPastItsExpiryIsNotServedFromTheCache() throws Exception {
    long now = Instant.now().getEpochSecond();
    VerifiedTokenCacheTest.HandClock cacheClock = new VerifiedTokenCacheTest.HandClock(now);
    VerifiedTokenCache cache = new VerifiedTokenCache(10, 0, cacheClock);
    Authenticator authenticator =
        new Authenticator(vertx, AuthOptions.forTest(SECRET), null, cache);
    String token = token(valid());
    VerifiedToken first = verified(authenticator, token);

    // The cache's clock at the token's exp; the verifier's (the real one) still well before it.
    cacheClock.epochSecond = first.expiresAt().getEpochSecond();
    VerifiedToken again = verified(authenticator, token);

    assertThat(again).as("verified in full again, not served from the cache").isNotSameAs(first);
  }

  @Test
  void aTokenLongerThanTheCachesLimitIsVerifiedEveryTime() throws Exception {
    VerifiedTokenCache cache = new VerifiedTokenCache(10, 0);
    Authenticator authenticator =
        new Authenticator(vertx, AuthOptions.forTest(SECRET), null, cache);
    String token = token(valid().put("padding", "x".repeat(VerifiedTokenCache.MAX_TOKEN_CHARS)));
    VerifiedToken first = verified(authenticator, token);
    VerifiedToken again = verified(authenticator, token);

    assertThat(cache.size()).isZero();
    assertThat(again).isNotSameAs(first);
  }

  @Test
  void theCacheKeepsNoRefusedTokenAndServesNoTamperedCopyOfAKeptOne() throws Exception {
    VerifiedTokenCache cache = new VerifiedTokenCache(10, 0);
    Authenticator authenticator =
        new Authenticator(vertx, AuthOptions.forTest(SECRET), null, cache);
    String good = token(valid());
    verified(authenticator, good);
    String[] parts = good.split("\\.", -1);
    String otherUser =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                valid().put("sub", "mallory").encode().getBytes(StandardCharsets.UTF_8));
    String expired = token(valid().put("exp", Instant.now().getEpochSecond() - 1));

    for (String refused :
        new String[] {parts[0] + "." + otherUser + "." + parts[2], good + "x", expired}) {
      try {
        verified(authenticator, refused);
        throw new AssertionError("accepted: " + refused);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(AuthFailure.class);
      }
    }
    assertThat(cache.size()).as("only the good token is kept").isEqualTo(1);
  }

  @Test
  void refusesATamperedPayloadOrSignature() throws Exception {
    String good = token(valid());
    String[] parts = good.split("\\.", -1);
    String otherUser =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                valid().put("sub", "mallory").encode().getBytes(StandardCharsets.UTF_8));
    assertThat(refusal(AuthOptions.forTest(SECRET), parts[0] + "." + otherUser + "." + parts[2]))
        .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    char last = parts[2].charAt(0);
    String flipped = (last == 'A' ? 'B' : 'A') + parts[2].substring(1);
    assertThat(refusal(AuthOptions.forTest(SECRET), parts[0] + "." + parts[1] + "." + flipped))
        .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    assertThat(refusal(AuthOptions.forTest(SECRET), parts[0] + "." + parts[1] + ".not*base64"))
        .isEqualTo(AuthFailure.Cause.MALFORMED);
    JWTAuth otherKey =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("HS256")
                        .setBuffer("another-secret-of-at-least-32-bytes!!")));
    assertThat(
            refusal(AuthOptions.forTest(SECRET), otherKey.generateToken(valid(), new JWTOptions())))
        .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
  }

  @Test
  void refusesTimeClaimsOutOfRange() throws Exception {
    long now = Instant.now().getEpochSecond();
    AuthOptions options = AuthOptions.forTest(SECRET);
    assertThat(refusal(options, token(valid().put("exp", now - 1))))
        .isEqualTo(AuthFailure.Cause.EXPIRED);
    assertThat(refusal(options, token(valid().put("nbf", now + 60))))
        .isEqualTo(AuthFailure.Cause.NOT_YET_VALID);
    assertThat(refusal(options, token(valid().put("iat", now + 60))))
        .isEqualTo(AuthFailure.Cause.CLAIMS);
    JsonObject noExp = valid();
    noExp.remove("exp");
    assertThat(refusal(options, token(noExp))).isEqualTo(AuthFailure.Cause.CLAIMS);
    assertThat(refusal(options, token(valid().put("sub", "bad user"))))
        .isEqualTo(AuthFailure.Cause.CLAIMS);
  }

  @Test
  void checksIssuerAndAudienceWhenConfigured() throws Exception {
    AuthOptions options = options("https://issuer.example", "mesh");
    JsonObject both = valid().put("iss", "https://issuer.example");
    assertThat(
            verify(options, token(both.copy().put("aud", "mesh")))
                .toCompletionStage()
                .toCompletableFuture()
                .get()
                .userId())
        .isEqualTo("alice");
    assertThat(
            verify(options, token(both.copy().put("aud", new JsonArray().add("other").add("mesh"))))
                .toCompletionStage()
                .toCompletableFuture()
                .get()
                .userId())
        .isEqualTo("alice");
    assertThat(refusal(options, token(both.copy().put("aud", "other"))))
        .isEqualTo(AuthFailure.Cause.CLAIMS);
    assertThat(refusal(options, token(both.copy()))).isEqualTo(AuthFailure.Cause.CLAIMS);
    assertThat(
            refusal(options, token(valid().put("iss", "https://evil.example").put("aud", "mesh"))))
        .isEqualTo(AuthFailure.Cause.CLAIMS);
  }

  @Test
  void refusesAlgorithmNoneAndMalformedTokens() throws Exception {
    AuthOptions options = AuthOptions.forTest(SECRET);
    String header =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String body =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(valid().encode().getBytes(StandardCharsets.UTF_8));
    assertThat(refusal(options, header + "." + body + ".")).isEqualTo(AuthFailure.Cause.ALGORITHM);
    assertThat(refusal(options, "a.b")).isEqualTo(AuthFailure.Cause.MALFORMED);
    assertThat(refusal(options, "%%%.%%%.%%%")).isEqualTo(AuthFailure.Cause.MALFORMED);
  }
}
