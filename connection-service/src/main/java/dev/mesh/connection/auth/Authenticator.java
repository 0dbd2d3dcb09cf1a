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

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies JWTs (docs/PROTOCOL.md §2.2): HS256 with the shared secret, RS256/ES256 (through vertx-auth-jwt) with the
 * configured public keys; any other algorithm, {@code none} included, is refused before the signature is looked at.
 * {@code exp} and {@code sub} are required. Finds the credential of a request: {@code Authorization: Bearer}, then a
 * single-use {@code ticket}, then the auth cookie. A token in the URL is refused outright.
 *
 * <p>HS256, the common case, is checked here directly (HMAC-SHA256 of the signed part, compared in constant time,
 * then {@code iss} and {@code aud}) on the claims already parsed for the checks above: handing it to vertx-auth-jwt
 * parsed every token a second time, about half of the authentication cost of a connect in a profile.
 */
public final class Authenticator {

  private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final List<String> TOKEN_PARAMETERS = List.of("token", "access_token", "jwt", "authorization");

  private final JWTAuth jwt;
  private final TicketStore tickets;
  private final AuthOptions options;
  private final Set<String> algorithms = new HashSet<>();
  /** One MAC per thread: {@link Mac} is not thread-safe and creating one per token costs a provider lookup. */
  private final ThreadLocal<Mac> hs256;

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
    byte[] key = options.secret() == null ? null : options.secret().getBytes(StandardCharsets.UTF_8);
    this.hs256 = key == null ? null : ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 unavailable", e);
      }
    });
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
    Object iat = claims.getValue("iat");
    if (iat instanceof Number && ((Number) iat).longValue() - leeway > now) {
      return fail(AuthFailure.Cause.CLAIMS, "token issued in the future (iat)");
    }
    String subject = claims.getString("sub");
    if (subject == null || !USER_ID.matcher(subject).matches()) {
      return fail(AuthFailure.Cause.CLAIMS, "sub must be 1-64 characters of A-Z a-z 0-9 _ . @ -");
    }
    VerifiedToken verified = new VerifiedToken(subject, claims, Instant.ofEpochSecond(((Number) exp).longValue()));
    if (algorithm.equals("HS256")) {
      if (!signatureMatches(token, parts[2])) {
        return fail(AuthFailure.Cause.BAD_SIGNATURE, "token rejected: signature does not match");
      }
      String claimProblem = issuerAndAudienceProblem(claims);
      return claimProblem != null ? fail(AuthFailure.Cause.CLAIMS, "token rejected: " + claimProblem)
          : Future.succeededFuture(verified);
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> {
          String message = String.valueOf(e.getMessage());
          boolean claim = message.contains("iss") || message.contains("aud") || message.contains("Issuer")
              || message.contains("Audience");
          return fail(claim ? AuthFailure.Cause.CLAIMS : AuthFailure.Cause.BAD_SIGNATURE, "token rejected: " + message);
        })
        .map(user -> verified);
  }

  private boolean signatureMatches(String token, String signature) {
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int signedLength = token.length() - signature.length() - 1;
    byte[] expected = hs256.get().doFinal(token.substring(0, signedLength).getBytes(StandardCharsets.US_ASCII));
    return MessageDigest.isEqual(expected, given);
  }

  /** The configured {@code iss} and {@code aud} checks (RFC 7519 §4.1.1, §4.1.3: aud is a string or an array). */
  private String issuerAndAudienceProblem(JsonObject claims) {
    if (options.issuer() != null && !options.issuer().equals(claims.getValue("iss"))) {
      return "iss must be " + options.issuer();
    }
    if (options.audience() != null) {
      Object aud = claims.getValue("aud");
      boolean listed = aud instanceof String single ? single.equals(options.audience())
          : aud instanceof io.vertx.core.json.JsonArray many && many.contains(options.audience());
      if (!listed) {
        return "aud must include " + options.audience();
      }
    }
    return null;
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
