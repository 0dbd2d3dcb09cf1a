package dev.mesh.connection.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.math.BigInteger;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RS256/ES256 keys from a JWK Set served on loopback: tokens verified by kid, a rotated-in key
 * picked up when a token names it, unknown kids refetching at most once per gap, a failing or
 * silent server keeping the last good set, and the published RFC 7515 keys (A.2, A.3) served as a
 * JWK Set.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("JWKS: keys by kid, rotation, rate-limited refetch, last good set kept")
class JwksKeysTest {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** What the test's identity provider serves: a document, an error status, or nothing at all. */
  private static final class Provider {
    final AtomicReference<JsonObject> document =
        new AtomicReference<>(new JsonObject().put("keys", new JsonArray()));
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicInteger fetches = new AtomicInteger();
    volatile boolean silent;
    HttpServer server;

    Future<Provider> start(Vertx vertx) {
      return vertx
          .createHttpServer()
          .requestHandler(
              request -> {
                fetches.incrementAndGet();
                if (silent) {
                  return;
                }
                request
                    .response()
                    .setStatusCode(status.get())
                    .putHeader("Content-Type", "application/json")
                    .end(document.get().encode());
              })
          .listen(0, "127.0.0.1")
          .map(
              s -> {
                server = s;
                return this;
              });
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.actualPort() + "/.well-known/jwks.json");
    }

    void serve(JsonObject... keys) {
      document.set(new JsonObject().put("keys", new JsonArray(Arrays.asList((Object[]) keys))));
    }
  }

  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return B64.encodeToString(bytes);
  }

  private static String fixed32(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(32, bytes.length);
    System.arraycopy(bytes, bytes.length - copy, out, 32 - copy, copy);
    return B64.encodeToString(out);
  }

  static JsonObject jwk(KeyPair pair, String kid) {
    if (pair.getPublic() instanceof RSAPublicKey rsa) {
      return new JsonObject()
          .put("kty", "RSA")
          .put("kid", kid)
          .put("use", "sig")
          .put("alg", "RS256")
          .put("n", unsigned(rsa.getModulus()))
          .put("e", unsigned(rsa.getPublicExponent()));
    }
    ECPublicKey ec = (ECPublicKey) pair.getPublic();
    return new JsonObject()
        .put("kty", "EC")
        .put("kid", kid)
        .put("crv", "P-256")
        .put("x", fixed32(ec.getW().getAffineX()))
        .put("y", fixed32(ec.getW().getAffineY()));
  }

  private static KeyPair rsa() throws Exception {
    return KeyPairGenerator.getInstance("RSA").generateKeyPair();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static String token(KeyPair pair, String kid, String user) throws Exception {
    boolean isRsa = pair.getPublic() instanceof RSAPublicKey;
    JsonObject header = new JsonObject().put("alg", isRsa ? "RS256" : "ES256");
    if (kid != null) {
      header.put("kid", kid);
    }
    return TokenVerifierTest.signed(
        isRsa ? "SHA256withRSA" : "SHA256withECDSAinP1363Format",
        pair,
        header.encode(),
        new JsonObject().put("sub", user).put("exp", Instant.now().getEpochSecond() + 600));
  }

  private static Authenticator authenticator(Vertx vertx, URI url, Duration timeout, Duration gap) {
    return authenticator(vertx, url, timeout, gap, List.of(), null);
  }

  /** With PEM keys beside the JWKS, and the node's cache of verified tokens (null: none). */
  private static Authenticator authenticator(
      Vertx vertx,
      URI url,
      Duration timeout,
      Duration gap,
      List<String> pems,
      VerifiedTokenCache cache) {
    AuthOptions options =
        AuthOptions.forTest(null)
            .withSecrets(null, java.util.Map.of())
            .withPublicKeys(pems)
            .withJwks(new JwksOptions(url, Duration.ofHours(1), timeout, gap));
    return new Authenticator(vertx, options, null, cache);
  }

  /**
   * With the node's token cache; a 300 ms refetch gap, so that a kid new to the set refetches it
   * within the test.
   */
  private static Authenticator cachedAuthenticator(
      Vertx vertx, URI url, List<String> pems, VerifiedTokenCache cache) {
    return authenticator(vertx, url, Duration.ofSeconds(2), Duration.ofMillis(300), pems, cache);
  }

  @Test
  @DisplayName(
      "with the node's token cache, a JWKS-signed token is verified every time: a key dropped from the JWKS stops it")
  void droppedKeyStopsItsTokensDespiteTheCache(Vertx vertx, VertxTestContext test)
      throws Exception {
    KeyPair dropped = ec();
    KeyPair kept = rsa();
    Provider idp = new Provider();
    idp.serve(jwk(dropped, "old"));
    String oldToken = token(dropped, "old", "ann");
    String newToken = token(kept, "new", "ben");
    VerifiedTokenCache cache = new VerifiedTokenCache(100, 0);
    idp.start(vertx)
        .compose(
            p -> {
              Authenticator auth = cachedAuthenticator(vertx, p.url(), List.of(), cache);
              return auth.start()
                  .compose(v -> outcome(auth, oldToken))
                  .compose(
                      before -> {
                        idp.serve(jwk(kept, "new"));
                        // Past the minimum gap, so the new kid refetches the set without "old".
                        return vertx
                            .timer(400)
                            .compose(t -> outcome(auth, newToken))
                            .compose(
                                rotated ->
                                    outcome(auth, oldToken)
                                        .map(
                                            after -> {
                                              test.verify(
                                                  () -> {
                                                    assertThat(before).isEqualTo("ann");
                                                    assertThat(rotated).isEqualTo("ben");
                                                    assertThat(after)
                                                        .as("its key left the JWKS")
                                                        .isEqualTo("refused:bad-signature");
                                                    assertThat(cache.size()).isZero();
                                                  });
                                              return after;
                                            }));
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "with the node's token cache and a JWKS, a PEM-signed token with a kid stops once the JWKS publishes that kid")
  void pemFallbackForAKidIsNotKeptWhileAJwksCouldNameIt(Vertx vertx, VertxTestContext test)
      throws Exception {
    KeyPair pem = rsa();
    String pemText =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pem.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    Provider idp = new Provider();
    idp.serve(jwk(rsa(), "other"));
    // Signed by the PEM key, naming a kid the JWKS does not have yet: the PEM keys answer it.
    String pemToken = token(pem, "k", "ann");
    // ES256, which no PEM key answers, so its unknown kid makes the node refetch the set.
    String trigger = token(ec(), "unknown", "x");
    VerifiedTokenCache cache = new VerifiedTokenCache(100, 0);
    idp.start(vertx)
        .compose(
            p -> {
              Authenticator auth = cachedAuthenticator(vertx, p.url(), List.of(pemText), cache);
              return auth.start()
                  .compose(v -> outcome(auth, pemToken))
                  .compose(
                      before -> {
                        KeyPair published;
                        try {
                          published = rsa();
                        } catch (Exception e) {
                          return Future.failedFuture(e);
                        }
                        idp.serve(jwk(published, "k"));
                        // Past the minimum gap, an unknown kid refetches the set, which now has k.
                        return vertx
                            .timer(400)
                            .compose(t -> outcome(auth, trigger))
                            .compose(
                                triggered ->
                                    outcome(auth, pemToken)
                                        .map(
                                            after -> {
                                              test.verify(
                                                  () -> {
                                                    assertThat(before).isEqualTo("ann");
                                                    assertThat(after)
                                                        .as(
                                                            "only the JWKS key of kid k may verify it now")
                                                        .isEqualTo("refused:bad-signature");
                                                    assertThat(cache.size()).isZero();
                                                  });
                                              return after;
                                            }));
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  /** The outcome of verifying: the user id, or the refusal's cause. */
  private static Future<String> outcome(Authenticator authenticator, String token) {
    return authenticator
        .verify(token)
        .transform(
            ar ->
                Future.succeededFuture(
                    ar.succeeded()
                        ? ar.result().userId()
                        : ar.cause() instanceof AuthFailure f
                            ? "refused:" + f.reason().tag()
                            : "error:" + ar.cause()));
  }

  @Test
  @DisplayName(
      "a token is verified by its kid; a key rotated in is fetched when a token names it; the old key keeps working")
  void rotation(Vertx vertx, VertxTestContext test) throws Exception {
    KeyPair first = rsa();
    KeyPair second = ec();
    Provider idp = new Provider();
    idp.serve(jwk(first, "2024"));
    String oldToken = token(first, "2024", "ann");
    String newToken = token(second, "2025", "ben");
    idp.start(vertx)
        .compose(
            p -> {
              Authenticator auth =
                  authenticator(vertx, p.url(), Duration.ofSeconds(2), Duration.ofMillis(300));
              return auth.start()
                  .compose(v -> outcome(auth, oldToken))
                  .compose(
                      before -> {
                        idp.serve(jwk(first, "2024"), jwk(second, "2025"));
                        int fetchesBefore = idp.fetches.get();
                        // Past the minimum gap since the start's fetch, so the unknown kid may
                        // refetch.
                        return vertx
                            .timer(400)
                            .compose(t -> outcome(auth, newToken))
                            .compose(
                                rotated ->
                                    outcome(auth, oldToken)
                                        .map(
                                            old -> {
                                              test.verify(
                                                  () -> {
                                                    assertThat(before).isEqualTo("ann");
                                                    assertThat(rotated)
                                                        .as("the new kid, fetched on demand")
                                                        .isEqualTo("ben");
                                                    assertThat(old)
                                                        .as("the old key is still served")
                                                        .isEqualTo("ann");
                                                    assertThat(idp.fetches.get() - fetchesBefore)
                                                        .isEqualTo(1);
                                                  });
                                              return old;
                                            }));
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "tokens with invented kids refetch at most once per gap; a failing or silent provider keeps the last good set")
  void rateLimitedAndResilient(Vertx vertx, VertxTestContext test) throws Exception {
    KeyPair key = ec();
    Provider idp = new Provider();
    idp.serve(jwk(key, "k1"));
    String good = token(key, "k1", "cat");
    String unknown = token(ec(), "unknown", "x");
    String anotherUnknown = token(ec(), "another-unknown", "x");
    idp.start(vertx)
        .compose(
            p -> {
              Authenticator auth =
                  authenticator(vertx, p.url(), Duration.ofMillis(500), Duration.ofSeconds(30));
              return auth.start()
                  .compose(
                      v -> {
                        int afterStart = idp.fetches.get();
                        List<Future<String>> invented = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                          KeyPair stranger;
                          try {
                            stranger = ec();
                            invented.add(outcome(auth, token(stranger, "invented-" + i, "eve")));
                          } catch (Exception e) {
                            return Future.failedFuture(e);
                          }
                        }
                        return Future.all(new ArrayList<Future<?>>(invented))
                            .map(
                                all -> {
                                  test.verify(
                                      () -> {
                                        assertThat(invented)
                                            .allSatisfy(
                                                f ->
                                                    assertThat(f.result())
                                                        .isEqualTo("refused:bad-signature"));
                                        assertThat(idp.fetches.get() - afterStart)
                                            .as("refetches for 20 invented kids")
                                            .isLessThanOrEqualTo(1);
                                      });
                                  return all;
                                });
                      })
                  .compose(
                      v -> {
                        // A provider that fails, then one that never answers: the last good set
                        // stays, tokens keep verifying.
                        idp.status.set(500);
                        Authenticator eager =
                            authenticator(
                                vertx, idp.url(), Duration.ofMillis(500), Duration.ofMillis(1));
                        return eager
                            .start()
                            .compose(x -> outcome(eager, good))
                            .compose(
                                noSetYet -> {
                                  idp.status.set(200);
                                  return outcome(eager, unknown).map(y -> noSetYet);
                                })
                            .compose(
                                noSetYet ->
                                    outcome(eager, good)
                                        .compose(
                                            loaded -> {
                                              idp.silent = true;
                                              long started = System.nanoTime();
                                              return outcome(eager, anotherUnknown)
                                                  .compose(z -> outcome(eager, good))
                                                  .map(
                                                      kept -> {
                                                        long tookMs =
                                                            (System.nanoTime() - started)
                                                                / 1_000_000;
                                                        test.verify(
                                                            () -> {
                                                              assertThat(noSetYet)
                                                                  .as("no key set fetched yet")
                                                                  .isEqualTo(
                                                                      "refused:bad-signature");
                                                              assertThat(loaded).isEqualTo("cat");
                                                              assertThat(kept)
                                                                  .as(
                                                                      "last good set kept while the provider is silent")
                                                                  .isEqualTo("cat");
                                                              assertThat(tookMs)
                                                                  .as(
                                                                      "a silent provider costs at most the timeout")
                                                                  .isLessThan(5_000);
                                                            });
                                                        return kept;
                                                      });
                                            }));
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "RFC 7515 A.2 (RSA) and A.3 (EC P-256) keys served as a JWK Set verify their published tokens; symmetric keys in a set are ignored")
  void rfcKeysFromAJwkSet(Vertx vertx, VertxTestContext test) {
    Provider idp = new Provider();
    idp.serve(
        TokenVerifierTest.A2_JWK.copy().put("kid", "a2"),
        TokenVerifierTest.A3_JWK.copy().put("kid", "a3"),
        new JsonObject()
            .put("kty", "oct")
            .put("kid", "shared")
            .put("k", B64.encodeToString(new byte[32])));
    idp.start(vertx)
        .compose(
            p -> {
              KeySet parsed = JwksKeys.parse(idp.document.get(), "test");
              Authenticator auth =
                  authenticator(vertx, p.url(), Duration.ofSeconds(2), Duration.ofSeconds(10));
              return auth.start()
                  .compose(
                      v ->
                          Future.all(
                                  outcome(auth, TokenVerifierTest.A2_TOKEN),
                                  outcome(auth, TokenVerifierTest.A3_TOKEN))
                              .map(
                                  all -> {
                                    test.verify(
                                        () -> {
                                          assertThat(parsed.keys())
                                              .extracting(VerificationKey::kid)
                                              .containsExactly("a2", "a3");
                                          // Signatures verified (no kid: every key of the algorithm
                                          // is tried); the examples expired in 2011.
                                          assertThat(all.<String>resultAt(0))
                                              .isEqualTo("refused:expired");
                                          assertThat(all.<String>resultAt(1))
                                              .isEqualTo("refused:expired");
                                        });
                                    return all;
                                  }));
            })
        .onComplete(test.succeedingThenComplete());
  }
}
