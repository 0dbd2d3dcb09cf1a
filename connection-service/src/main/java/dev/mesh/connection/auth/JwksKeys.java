package dev.mesh.connection.auth;

import dev.mesh.common.ops.SafeLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a JSON Web Key Set (RFC 7517) at {@code MESH_JWT_JWKS_URL}, for RS256 and ES256
 * tokens: fetched with a timeout and a size bound, cached, refreshed every {@code
 * MESH_JWT_JWKS_REFRESH}, and refreshed early when a token names a {@code kid} the set does not
 * have (at most once per {@link JwksOptions#minRefreshGap()}, so a stream of tokens with invented
 * kids cannot turn the node into a flood against the identity provider). A failed fetch keeps the
 * last good set. Only public RSA (at least 2048 bits) and EC P-256 signing keys are taken;
 * symmetric ({@code oct}) keys and keys for other algorithms or uses are ignored.
 */
public final class JwksKeys {

  private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);

  /** A key set larger than this is refused (a real one is a few KiB). */
  static final int MAX_BYTES = 256 * 1024;

  /** Keys kept from one set at most. */
  static final int MAX_KEYS = 64;

  private final Vertx vertx;
  private final JwksOptions options;
  private final HttpClient client;
  private volatile KeySet current = KeySet.empty();
  private Future<KeySet> inFlight;
  private long lastFetchStartedNanos;
  private boolean fetchedOnce;
  private long timer = -1;

  public JwksKeys(Vertx vertx, JwksOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) options.timeout().toMillis())
                .setIdleTimeout((int) Math.max(1, options.timeout().toSeconds())));
  }

  /**
   * Fetches the set once and schedules the periodic refresh. Completes when the first fetch is
   * done, successful or not: a key set that cannot be fetched at start leaves RS256/ES256 tokens
   * refused until a refresh succeeds, and never stops the node.
   */
  public Future<Void> start() {
    timer = vertx.setPeriodic(options.refreshInterval().toMillis(), id -> refresh());
    return refresh().<Void>mapEmpty().otherwiseEmpty();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    client.close();
  }

  /** The last good set (empty until a fetch succeeds). */
  public KeySet current() {
    return current;
  }

  /**
   * A token named a kid the set lacks: refetch, unless the last fetch started less than the minimum
   * gap ago. The future completes (never fails) once the set is as fresh as the rate limit allows.
   */
  public Future<KeySet> refreshForUnknownKid() {
    if (inFlight != null) {
      return inFlight.otherwise(current);
    }
    if (fetchedOnce
        && System.nanoTime() - lastFetchStartedNanos < options.minRefreshGap().toNanos()) {
      return Future.succeededFuture(current);
    }
    return refresh().otherwise(current);
  }

  private Future<KeySet> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    lastFetchStartedNanos = System.nanoTime();
    fetchedOnce = true;
    Future<KeySet> fetch =
        fetch()
            .onSuccess(
                keys -> {
                  boolean changed = !keys.keys().toString().equals(current.keys().toString());
                  current = keys;
                  if (changed) {
                    LOG.info("event=jwks-loaded url={} keys={}", options.url(), keys.keys().size());
                  }
                })
            .onFailure(
                e ->
                    LOG.warn(
                        "event=jwks-fetch-failed url={} kept={} cause=\"{}\"",
                        options.url(),
                        current.keys().size(),
                        SafeLog.escape(String.valueOf(e.getMessage()))))
            .onComplete(done -> inFlight = null);
    inFlight = fetch;
    return fetch;
  }

  private Future<KeySet> fetch() {
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(options.url().toString())
            .setTimeout(options.timeout().toMillis())
            .putHeader("Accept", "application/json");
    return client
        .request(request)
        .compose(req -> req.send())
        .compose(
            response -> {
              if (response.statusCode() != 200) {
                return Future.failedFuture("HTTP " + response.statusCode());
              }
              Promise<Buffer> body = Promise.promise();
              Buffer received = Buffer.buffer();
              response.handler(
                  chunk -> {
                    if (received.length() + chunk.length() > MAX_BYTES) {
                      body.tryFail("key set larger than " + MAX_BYTES + " bytes");
                      response.request().reset();
                      return;
                    }
                    received.appendBuffer(chunk);
                  });
              response.endHandler(v -> body.tryComplete(received));
              response.exceptionHandler(body::tryFail);
              return body.future();
            })
        .map(body -> parse(new JsonObject(body), options.url().toString()))
        .compose(
            keys ->
                keys.keys().isEmpty()
                    ? Future.failedFuture("no usable RS256/ES256 key in the set")
                    : Future.succeededFuture(keys));
  }

  /**
   * The usable keys of a JWK Set document; unusable entries are skipped (and logged), never fatal.
   */
  static KeySet parse(JsonObject document, String source) {
    JsonArray entries = document.getJsonArray("keys");
    if (entries == null) {
      throw new IllegalArgumentException("not a JWK Set: no keys array");
    }
    List<VerificationKey> keys = new ArrayList<>();
    for (int i = 0; i < entries.size() && keys.size() < MAX_KEYS; i++) {
      Object entry = entries.getValue(i);
      if (!(entry instanceof JsonObject jwk)) {
        continue;
      }
      try {
        VerificationKey key = fromJwk(jwk, source);
        if (key != null) {
          keys.add(key);
        }
      } catch (RuntimeException e) {
        LOG.warn(
            "event=jwks-key-skipped url={} index={} cause=\"{}\"",
            source,
            i,
            SafeLog.escape(e.getMessage()));
      }
    }
    return new KeySet(keys);
  }

  /** One JWK as a verification key, or null when it is not a public signing key for RS256/ES256. */
  static VerificationKey fromJwk(JsonObject jwk, String source) {
    String use = jwk.getString("use");
    if (use != null && !use.equals("sig")) {
      return null;
    }
    String kid = jwk.getString("kid");
    String alg = jwk.getString("alg");
    String kty = jwk.getString("kty");
    if (kty == null) {
      return null;
    }
    try {
      switch (kty) {
        case "RSA" -> {
          if (alg != null && !alg.equals(VerificationKey.RS256)) {
            return null;
          }
          PublicKey key =
              KeyFactory.getInstance("RSA")
                  .generatePublic(
                      new RSAPublicKeySpec(
                          unsigned(jwk.getString("n")), unsigned(jwk.getString("e"))));
          return VerificationKey.publicKey(key, kid, source);
        }
        case "EC" -> {
          if (!"P-256".equals(jwk.getString("crv"))
              || (alg != null && !alg.equals(VerificationKey.ES256))) {
            return null;
          }
          AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
          parameters.init(new ECGenParameterSpec("secp256r1"));
          ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
          ECPoint point = new ECPoint(unsigned(jwk.getString("x")), unsigned(jwk.getString("y")));
          PublicKey key =
              KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, p256));
          return VerificationKey.publicKey(key, kid, source);
        }
        default -> {
          // "oct" (a shared secret published in a key set) and anything else: never a verification
          // key here.
          return null;
        }
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid " + kty + " key: " + e.getMessage());
    }
  }

  private static BigInteger unsigned(String base64url) {
    if (base64url == null) {
      throw new IllegalArgumentException("missing key parameter");
    }
    return new BigInteger(1, Base64.getUrlDecoder().decode(base64url));
  }
}
