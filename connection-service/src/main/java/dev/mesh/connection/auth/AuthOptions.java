package dev.mesh.connection.auth;

import dev.mesh.common.config.Env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How connections are authenticated and authorised (docs/PROTOCOL.md §2).
 *
 * @param secret             {@code MESH_JWT_SECRET}: HS256 shared secret, at least 32 bytes (unset = HS256 refused)
 * @param publicKeys         {@code MESH_JWT_PUBLIC_KEYS}: comma-separated PEM files of public keys; RSA keys verify
 *                           RS256, EC P-256 keys ES256 (none = both refused). At least one key of either kind is required
 * @param issuer             {@code MESH_JWT_ISSUER}: required {@code iss} (unset = not checked)
 * @param audience           {@code MESH_JWT_AUDIENCE}: required {@code aud} (unset = not checked)
 * @param leeway             {@code MESH_JWT_LEEWAY}, default 0s: clock skew tolerated on exp/nbf
 * @param allowedOrigins     {@code MESH_ALLOWED_ORIGINS}: browser origins allowed to connect, or {@code *}; empty
 *                           (default) = same origin as the Host header. Requests without Origin are allowed
 * @param cookieName         {@code MESH_AUTH_COOKIE}, default {@code mesh_token}: cookie that may carry the token
 * @param ticketTtl          {@code MESH_TICKET_TTL}, default 30s: lifetime of a single-use URL ticket
 * @param refreshWindow      {@code MESH_TOKEN_REFRESH_WINDOW}, default 60s: warn this long before {@code exp}
 * @param refreshGrace       {@code MESH_TOKEN_GRACE}, default 10s: close this long after {@code exp} without refresh
 * @param authorizer         {@code MESH_AUTHORIZER}, default {@code claims}: token patterns; {@code bus}: ask
 *                           {@code mesh.authorize}
 * @param defaultSubscribe   {@code MESH_DEFAULT_SUBSCRIBE}, default {@code *}: patterns when the token has no mesh claim
 * @param defaultPublish     {@code MESH_DEFAULT_PUBLISH}, default none: patterns when the token has no mesh claim
 * @param demoTokens         {@code MESH_DEMO_TOKENS}, default false: serve {@code GET /demo/token?user=} (HS256, for
 *                           the demo page and local runs; never in production)
 */
public record AuthOptions(
    String secret,
    List<String> publicKeys,
    String issuer,
    String audience,
    Duration leeway,
    List<String> allowedOrigins,
    String cookieName,
    Duration ticketTtl,
    Duration refreshWindow,
    Duration refreshGrace,
    String authorizer,
    List<String> defaultSubscribe,
    List<String> defaultPublish,
    boolean demoTokens) {

  public static final String DEFAULT_COOKIE_NAME = "mesh_token";
  public static final Duration DEFAULT_TICKET_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REFRESH_WINDOW = Duration.ofSeconds(60);
  public static final Duration DEFAULT_REFRESH_GRACE = Duration.ofSeconds(10);
  public static final String AUTHORIZER_CLAIMS = "claims";
  public static final String AUTHORIZER_BUS = "bus";
  public static final List<String> DEFAULT_SUBSCRIBE = List.of("*");

  public AuthOptions {
    publicKeys = List.copyOf(publicKeys);
    allowedOrigins = List.copyOf(allowedOrigins);
    defaultSubscribe = List.copyOf(defaultSubscribe);
    defaultPublish = List.copyOf(defaultPublish);
  }

  public static AuthOptions fromEnv(Env env) {
    List<String> keys = new ArrayList<>();
    for (String file : env.list("MESH_JWT_PUBLIC_KEYS", List.of())) {
      try {
        keys.add(Files.readString(Path.of(file)));
      } catch (IOException e) {
        env.reject("MESH_JWT_PUBLIC_KEYS: cannot read " + file + " (" + e.getMessage() + ")");
      }
    }
    String secret = env.string("MESH_JWT_SECRET", null);
    if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      env.reject("MESH_JWT_SECRET: must be at least 32 bytes (256 bits)");
    }
    if (secret == null && keys.isEmpty() && env.string("MESH_JWT_PUBLIC_KEYS", null) == null) {
      env.reject("no JWT key: set MESH_JWT_SECRET (HS256) or MESH_JWT_PUBLIC_KEYS (RS256/ES256 PEM files)");
    }
    String authorizer = env.string("MESH_AUTHORIZER", AUTHORIZER_CLAIMS);
    if (!authorizer.equals(AUTHORIZER_CLAIMS) && !authorizer.equals(AUTHORIZER_BUS)) {
      env.reject("MESH_AUTHORIZER=" + authorizer + ": must be claims or bus");
    }
    boolean demo = env.bool("MESH_DEMO_TOKENS", false);
    if (demo && secret == null) {
      env.reject("MESH_DEMO_TOKENS=true needs MESH_JWT_SECRET");
    }
    return new AuthOptions(secret, keys,
        env.string("MESH_JWT_ISSUER", null),
        env.string("MESH_JWT_AUDIENCE", null),
        env.duration("MESH_JWT_LEEWAY", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(5)),
        env.list("MESH_ALLOWED_ORIGINS", List.of()),
        env.string("MESH_AUTH_COOKIE", DEFAULT_COOKIE_NAME),
        env.duration("MESH_TICKET_TTL", DEFAULT_TICKET_TTL, Duration.ofSeconds(1), Duration.ofMinutes(10)),
        env.duration("MESH_TOKEN_REFRESH_WINDOW", DEFAULT_REFRESH_WINDOW, Duration.ZERO, Duration.ofHours(1)),
        env.duration("MESH_TOKEN_GRACE", DEFAULT_REFRESH_GRACE, Duration.ZERO, Duration.ofHours(1)),
        authorizer,
        env.list("MESH_DEFAULT_SUBSCRIBE", DEFAULT_SUBSCRIBE),
        env.list("MESH_DEFAULT_PUBLISH", List.of()),
        demo);
  }

  /** For tests: HS256 with this secret; any origin; everyone may subscribe and publish to any public channel. */
  public static AuthOptions forTest(String secret) {
    return new AuthOptions(secret, List.of(), null, null, Duration.ZERO, List.of("*"), DEFAULT_COOKIE_NAME,
        DEFAULT_TICKET_TTL, DEFAULT_REFRESH_WINDOW, DEFAULT_REFRESH_GRACE, AUTHORIZER_CLAIMS, List.of("*"),
        List.of("*"), false);
  }

  public AuthOptions withPublicKeys(List<String> pems) {
    return new AuthOptions(secret, pems, issuer, audience, leeway, allowedOrigins, cookieName, ticketTtl,
        refreshWindow, refreshGrace, authorizer, defaultSubscribe, defaultPublish, demoTokens);
  }

  public AuthOptions withOrigins(List<String> origins) {
    return new AuthOptions(secret, publicKeys, issuer, audience, leeway, origins, cookieName, ticketTtl,
        refreshWindow, refreshGrace, authorizer, defaultSubscribe, defaultPublish, demoTokens);
  }

  public AuthOptions withRefresh(Duration window, Duration grace) {
    return new AuthOptions(secret, publicKeys, issuer, audience, leeway, allowedOrigins, cookieName, ticketTtl,
        window, grace, authorizer, defaultSubscribe, defaultPublish, demoTokens);
  }

  public AuthOptions withAuthorizer(String value) {
    return new AuthOptions(secret, publicKeys, issuer, audience, leeway, allowedOrigins, cookieName, ticketTtl,
        refreshWindow, refreshGrace, value, defaultSubscribe, defaultPublish, demoTokens);
  }

  public AuthOptions withDefaults(List<String> subscribe, List<String> publish) {
    return new AuthOptions(secret, publicKeys, issuer, audience, leeway, allowedOrigins, cookieName, ticketTtl,
        refreshWindow, refreshGrace, authorizer, subscribe, publish, demoTokens);
  }

  public AuthOptions withDemoTokens(boolean value) {
    return new AuthOptions(secret, publicKeys, issuer, audience, leeway, allowedOrigins, cookieName, ticketTtl,
        refreshWindow, refreshGrace, authorizer, defaultSubscribe, defaultPublish, value);
  }
}
