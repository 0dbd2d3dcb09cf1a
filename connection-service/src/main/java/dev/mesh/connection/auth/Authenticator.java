package dev.mesh.connection.auth;

import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and verifies the credential of a request (docs/PROTOCOL.md §2.1-2.4): {@code Authorization:
 * Bearer}, then a single-use {@code ticket}, then the auth cookie; a token in the URL is refused
 * outright. Tokens are verified by {@link TokenVerifier} (signature before claims) against the
 * configured keys: HS256 secrets with or without {@code kid}, PEM public keys, and the keys of a
 * JWKS URL, refetched when a token names a kid it does not know yet. Every outcome is a completed
 * future: a hostile token can make verification fail, never throw or hang.
 */
public final class Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static final List<String> TOKEN_PARAMETERS =
      List.of("token", "access_token", "jwt", "authorization");

  private final TicketStore tickets;
  private final AuthOptions options;
  private final KeySet configured;
  private final JwksKeys jwks;
  private final TokenVerifier verifier;
  private final VerifiedTokenCache verified;

  /** Without a cache of verified tokens: every token is verified in full. */
  public Authenticator(Vertx vertx, AuthOptions options, TicketStore tickets) {
    this(vertx, options, tickets, null);
  }

  /**
   * @param verified the node's tokens verified recently, shared by its loops; null verifies every
   *     token in full
   */
  public Authenticator(
      Vertx vertx, AuthOptions options, TicketStore tickets, VerifiedTokenCache verified) {
    this.options = options;
    this.verified = verified;
    this.tickets = tickets;
    List<VerificationKey> keys = new ArrayList<>();
    if (options.secret() != null) {
      keys.add(
          VerificationKey.hs256(
              options.secret().getBytes(StandardCharsets.UTF_8), null, "MESH_JWT_SECRET"));
    }
    for (Map.Entry<String, String> secret : options.secrets().entrySet()) {
      keys.add(
          VerificationKey.hs256(
              secret.getValue().getBytes(StandardCharsets.UTF_8),
              secret.getKey(),
              "MESH_JWT_SECRETS"));
    }
    for (String pem : options.publicKeys()) {
      keys.add(VerificationKey.pem(pem, "MESH_JWT_PUBLIC_KEYS"));
    }
    this.configured = new KeySet(keys);
    Set<String> algorithms = new HashSet<>();
    keys.forEach(key -> algorithms.add(key.algorithm()));
    if (options.jwks() != null) {
      algorithms.add(VerificationKey.RS256);
      algorithms.add(VerificationKey.ES256);
      this.jwks = new JwksKeys(vertx, options.jwks());
    } else {
      this.jwks = null;
    }
    this.verifier =
        new TokenVerifier(
            algorithms, options.issuer(), options.audience(), options.leeway().toSeconds());
  }

  /**
   * Loads the JWKS when one is configured (never fails: see {@link JwksKeys#start}), and warns
   * about open checks.
   */
  public Future<Void> start() {
    if (options.issuer() == null || options.audience() == null) {
      LOG.warn(
          "event=jwt-claims-unchecked issuer={} audience={}: tokens of any issuer or audience signed with an"
              + " accepted key are accepted; set MESH_JWT_ISSUER and MESH_JWT_AUDIENCE when the key is shared",
          options.issuer() == null ? "unchecked" : "checked",
          options.audience() == null ? "unchecked" : "checked");
    }
    return jwks == null ? Future.succeededFuture() : jwks.start();
  }

  public void stop() {
    if (jwks != null) {
      jwks.stop();
    }
  }

  /** The algorithms a token may use (those with a key, and RS256/ES256 with a JWKS). */
  public Set<String> algorithms() {
    return verifier.algorithms();
  }

  private KeySet keys() {
    return jwks == null ? configured : configured.plus(jwks.current());
  }

  /**
   * Authenticates a connection request ({@code /ws}, {@code /sse}) from its headers and query
   * parameters.
   */
  public Future<VerifiedToken> authenticate(MultiMap headers, MultiMap query) {
    try {
      for (String parameter : TOKEN_PARAMETERS) {
        if (query.contains(parameter)) {
          return fail(
              AuthFailure.Cause.TOKEN_IN_URL, "a token must not be sent in the URL: use a ticket");
        }
      }
      String bearer = bearer(headers);
      if (bearer != null) {
        return verify(bearer);
      }
      String ticket = query.get("ticket");
      if (ticket != null) {
        return tickets
            .redeem(ticket, options.leeway())
            .compose(
                identity ->
                    identity == null
                        ? fail(AuthFailure.Cause.TICKET, "ticket unknown, expired or already used")
                        : Future.succeededFuture(identity));
      }
      String cookie = cookie(headers, options.cookieName());
      if (cookie != null) {
        return verify(cookie);
      }
      return fail(
          AuthFailure.Cause.MISSING,
          "no credential: send Authorization: Bearer or a ?ticket= from POST"
              + " /auth/ticket"
              + (options.cookieName() == null
                  ? ""
                  : ", or the " + options.cookieName() + " cookie"));
    } catch (RuntimeException e) {
      return fail(AuthFailure.Cause.MALFORMED, "credential could not be read");
    }
  }

  /** The token of the Authorization header only ({@code POST /auth/ticket}). */
  public Future<VerifiedToken> authenticateBearer(MultiMap headers) {
    String token = bearer(headers);
    return token == null
        ? fail(AuthFailure.Cause.MISSING, "Authorization: Bearer <token> required")
        : verify(token);
  }

  /** The token of the Authorization header or the cookie ({@code POST /sse/<id>}). */
  public Future<VerifiedToken> authenticateHeaders(MultiMap headers) {
    try {
      String token = bearer(headers);
      if (token == null) {
        token = cookie(headers, options.cookieName());
      }
      return token == null
          ? fail(AuthFailure.Cause.MISSING, "Authorization: Bearer or cookie required")
          : verify(token);
    } catch (RuntimeException e) {
      return fail(AuthFailure.Cause.MALFORMED, "credential could not be read");
    }
  }

  /**
   * Verifies one token: parse, algorithm, key, signature, then claims (TokenVerifier). A kid that
   * no key answers to refetches the JWKS (rate-limited) once before the token is refused.
   */
  public Future<VerifiedToken> verify(String token) {
    try {
      VerifiedToken kept = cacheable(token) ? verified.get(token) : null;
      if (kept != null) {
        return Future.succeededFuture(kept);
      }
      TokenVerifier.Parsed parsed = verifier.parse(token);
      List<VerificationKey> candidates = keys().candidates(parsed.algorithm(), parsed.kid());
      if (candidates.isEmpty()
          && jwks != null
          && parsed.kid() != null
          && !parsed.algorithm().equals(VerificationKey.HS256)) {
        return jwks.refreshForUnknownKid()
            .map(
                refreshed ->
                    verifier.check(parsed, keys().candidates(parsed.algorithm(), parsed.kid())));
      }
      TokenVerifier.Checked checked = verifier.checked(parsed, candidates);
      if (cacheable(token)
          && configured.keys().contains(checked.key())
          && (jwks == null
              || parsed.kid() == null
              || parsed.algorithm().equals(VerificationKey.HS256))) {
        // Only a configured key, which lives as long as the node, and only when the JWKS cannot
        // change which key the token is checked against: a kid the JWKS does not have falls back to
        // the PEM keys, and once the JWKS publishes that kid only its key may verify the token.
        verified.put(token, checked.token());
      }
      return Future.succeededFuture(checked.token());
    } catch (AuthFailure failure) {
      return Future.failedFuture(failure);
    } catch (RuntimeException e) {
      return fail(AuthFailure.Cause.MALFORMED, "token could not be verified");
    }
  }

  /** Long tokens are verified every time: the cache's memory stays bounded by its count. */
  private boolean cacheable(String token) {
    return verified != null && token.length() <= VerifiedTokenCache.MAX_TOKEN_CHARS;
  }

  private static <T> Future<T> fail(AuthFailure.Cause cause, String message) {
    return Future.failedFuture(new AuthFailure(cause, message));
  }

  private static String bearer(MultiMap headers) {
    String header = headers.get("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = header.substring(7).trim();
      return token.isEmpty() ? null : token;
    }
    return null;
  }

  private static String cookie(MultiMap headers, String name) {
    if (name == null) {
      return null;
    }
    for (String header : headers.getAll("Cookie")) {
      for (Cookie cookie : ServerCookieDecoder.LAX.decode(header)) {
        if (cookie.name().equals(name) && !cookie.value().isBlank()) {
          return cookie.value();
        }
      }
    }
    return null;
  }
}
