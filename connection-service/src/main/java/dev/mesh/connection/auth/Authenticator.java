package dev.mesh.connection.auth;

import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies JWTs (docs/PROTOCOL.md §2.2) with vertx-auth-jwt: HS256 with the shared secret, RS256/ES256 with the
 * configured public keys; any other algorithm, {@code none} included, is refused before the signature is looked at.
 * {@code exp} and {@code sub} are required. Finds the credential of a request: {@code Authorization: Bearer}, then a
 * single-use {@code ticket}, then the auth cookie. A token in the URL is refused outright.
 */
public final class Authenticator {

  private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final List<String> TOKEN_PARAMETERS = List.of("token", "access_token", "jwt", "authorization");

  private final JWTAuth jwt;
  private final TicketStore tickets;
  private final AuthOptions options;
  private final Set<String> algorithms = new HashSet<>();

  public Authenticator(Vertx vertx, AuthOptions options, TicketStore tickets) {
    this.options = options;
    this.tickets = tickets;
    JWTOptions checks = new JWTOptions().setLeeway((int) options.leeway().toSeconds());
    if (options.issuer() != null) {
      checks.setIssuer(options.issuer());
    }
    if (options.audience() != null) {
      checks.addAudience(options.audience());
    }
    JWTAuthOptions jwtOptions = new JWTAuthOptions().setJWTOptions(checks);
    if (options.secret() != null) {
      jwtOptions.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(options.secret()));
      algorithms.add("HS256");
    }
    for (String pem : options.publicKeys()) {
      String algorithm = algorithmOf(pem);
      jwtOptions.addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(pem));
      algorithms.add(algorithm);
    }
    this.jwt = JWTAuth.create(vertx, jwtOptions);
  }

  /** RS256 for an RSA public key, ES256 for an EC one. */
  static String algorithmOf(String pem) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getDecoder().decode(body));
    try {
      KeyFactory.getInstance("RSA").generatePublic(spec);
      return "RS256";
    } catch (Exception notRsa) {
      try {
        KeyFactory.getInstance("EC").generatePublic(spec);
        return "ES256";
      } catch (Exception notEc) {
        throw new IllegalArgumentException("public key is neither RSA nor EC: " + notEc.getMessage());
      }
    }
  }

  /** Authenticates a connection request ({@code /ws}, {@code /sse}) from its headers and query parameters. */
  public Future<VerifiedToken> authenticate(MultiMap headers, MultiMap query) {
    for (String parameter : TOKEN_PARAMETERS) {
      if (query.contains(parameter)) {
        return fail(AuthFailure.Cause.TOKEN_IN_URL, "a token must not be sent in the URL: use a ticket");
      }
    }
    String bearer = bearer(headers);
    if (bearer != null) {
      return verify(bearer);
    }
    String ticket = query.get("ticket");
    if (ticket != null) {
      return tickets.redeem(ticket).compose(token -> token == null
          ? fail(AuthFailure.Cause.TICKET, "ticket unknown, expired or already used")
          : verify(token));
    }
    String cookie = cookie(headers, options.cookieName());
    if (cookie != null) {
      return verify(cookie);
    }
    return fail(AuthFailure.Cause.MISSING,
        "no credential: send Authorization: Bearer, a ?ticket= from POST /auth/ticket, or the " + options.cookieName()
            + " cookie");
  }

  /** The token of the Authorization header only ({@code POST /auth/ticket}). */
  public Future<VerifiedToken> authenticateBearer(MultiMap headers) {
    String token = bearer(headers);
    return token == null ? fail(AuthFailure.Cause.MISSING, "Authorization: Bearer <token> required") : verify(token);
  }

  /** The token of the Authorization header or the cookie ({@code POST /sse/<id>}). */
  public Future<VerifiedToken> authenticateHeaders(MultiMap headers) {
    String token = bearer(headers);
    if (token == null) {
      token = cookie(headers, options.cookieName());
    }
    return token == null ? fail(AuthFailure.Cause.MISSING, "Authorization: Bearer or cookie required") : verify(token);
  }

  /** Verifies one token: algorithm allowed, exp/nbf, signature, iss/aud if configured, sub. */
  public Future<VerifiedToken> verify(String token) {
    String[] parts = token.split("\\.", -1);
    JsonObject header;
    JsonObject claims;
    try {
      if (parts.length != 3) {
        throw new IllegalArgumentException("not three parts");
      }
      header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return fail(AuthFailure.Cause.MALFORMED, "token is not a JWT");
    }
    String algorithm = header.getString("alg", "none");
    if (!algorithms.contains(algorithm)) {
      return fail(AuthFailure.Cause.ALGORITHM, "algorithm " + algorithm + " is not accepted");
    }
    Object exp = claims.getValue("exp");
    if (!(exp instanceof Number)) {
      return fail(AuthFailure.Cause.CLAIMS, "token has no exp");
    }
    long now = Instant.now().getEpochSecond();
    long leeway = options.leeway().toSeconds();
    if (((Number) exp).longValue() + leeway <= now) {
      return fail(AuthFailure.Cause.EXPIRED, "token expired");
    }
    Object nbf = claims.getValue("nbf");
    if (nbf instanceof Number && ((Number) nbf).longValue() - leeway > now) {
      return fail(AuthFailure.Cause.NOT_YET_VALID, "token not valid yet");
    }
    String subject = claims.getString("sub");
    if (subject == null || !USER_ID.matcher(subject).matches()) {
      return fail(AuthFailure.Cause.CLAIMS, "sub must be 1-64 characters of A-Z a-z 0-9 _ . @ -");
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> {
          String message = String.valueOf(e.getMessage());
          boolean claim = message.contains("iss") || message.contains("aud") || message.contains("Issuer")
              || message.contains("Audience");
          return fail(claim ? AuthFailure.Cause.CLAIMS : AuthFailure.Cause.BAD_SIGNATURE, "token rejected: " + message);
        })
        .map(user -> new VerifiedToken(subject, claims, Instant.ofEpochSecond(((Number) exp).longValue())));
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
