package dev.mesh.connection.auth;

import dev.mesh.common.config.Env;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How connections are authenticated and authorised (docs/PROTOCOL.md §2).
 *
 * @param secret {@code MESH_JWT_SECRET}: HS256 secret (at least 32 bytes) for tokens without {@code
 *     kid}
 * @param secrets {@code MESH_JWT_SECRETS}: HS256 secrets by {@code kid} ({@code
 *     kid1:secret1,kid2:secret2}), for rotation: sign new tokens with a new kid while the old one
 *     is still accepted
 * @param publicKeys {@code MESH_JWT_PUBLIC_KEYS}: comma-separated PEM files of public keys; RSA
 *     keys verify RS256, EC P-256 keys ES256. At least one key of any kind (or a JWKS) is required
 * @param jwks {@code MESH_JWT_JWKS_URL} and its refresh settings; null when unset
 * @param issuer {@code MESH_JWT_ISSUER}: required {@code iss} (unset = not checked, warned at
 *     start)
 * @param audience {@code MESH_JWT_AUDIENCE}: required {@code aud} (unset = not checked, warned at
 *     start)
 * @param leeway {@code MESH_JWT_LEEWAY}, default 0s: clock skew tolerated on exp/nbf
 * @param allowedOrigins {@code MESH_ALLOWED_ORIGINS}: browser origins allowed in addition to the
 *     node's own, or {@code *} (only with cookie auth off). Requests without Origin are allowed
 * @param cookieName {@code MESH_AUTH_COOKIE}, default {@code mesh_token}: cookie that may carry the
 *     token; null ({@code none}) turns cookie authentication off
 * @param ticketTtl {@code MESH_TICKET_TTL}, default 30s: lifetime of a single-use URL ticket
 * @param refreshWindow {@code MESH_TOKEN_REFRESH_WINDOW}, default 60s: warn this long before {@code
 *     exp}
 * @param refreshGrace {@code MESH_TOKEN_GRACE}, default 10s: close this long after {@code exp}
 *     without refresh
 * @param authorizer {@code MESH_AUTHORIZER}, default {@code claims}: token patterns; {@code bus}:
 *     ask {@code mesh.authorize}
 * @param defaultSubscribe {@code MESH_DEFAULT_SUBSCRIBE}, default none: patterns when the token has
 *     no mesh claim
 * @param defaultPublish {@code MESH_DEFAULT_PUBLISH}, default none: patterns when the token has no
 *     mesh claim
 * @param demoTokens {@code MESH_DEMO_TOKENS}, default false: serve {@code GET /demo/token?user=}
 *     (HS256, for the demo page and local runs; never in production)
 */
public record AuthOptions(
    String secret,
    Map<String, String> secrets,
    List<String> publicKeys,
    JwksOptions jwks,
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

  /** {@code MESH_AUTH_COOKIE=none}: no cookie authentication. */
  public static final String NO_COOKIE = "none";

  public static final Duration DEFAULT_TICKET_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REFRESH_WINDOW = Duration.ofSeconds(60);
  public static final Duration DEFAULT_REFRESH_GRACE = Duration.ofSeconds(10);
  public static final String AUTHORIZER_CLAIMS = "claims";
  public static final String AUTHORIZER_BUS = "bus";

  /** Without a {@code mesh} claim a token may subscribe to nothing: authorisation fails closed. */
  public static final List<String> DEFAULT_SUBSCRIBE = List.of();

  public static final String ANY_ORIGIN = "*";

  private static final Pattern ORIGIN =
      Pattern.compile(
          "https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|https?://\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");
  private static final Pattern KID = Pattern.compile("[A-Za-z0-9_.\\-]{1,128}");

  public AuthOptions {
    secrets = Map.copyOf(secrets);
    publicKeys = List.copyOf(publicKeys);
    allowedOrigins = List.copyOf(allowedOrigins);
    defaultSubscribe = List.copyOf(defaultSubscribe);
    defaultPublish = List.copyOf(defaultPublish);
  }

  public static AuthOptions fromEnv(Env env) {
    List<String> keys = new ArrayList<>();
    for (String file : env.list("MESH_JWT_PUBLIC_KEYS", List.of())) {
      try {
        String pem = Files.readString(Path.of(file));
        VerificationKey.pem(pem, file);
        keys.add(pem);
      } catch (IOException e) {
        env.reject("MESH_JWT_PUBLIC_KEYS: cannot read " + file + " (" + e.getMessage() + ")");
      } catch (IllegalArgumentException e) {
        env.reject("MESH_JWT_PUBLIC_KEYS: " + e.getMessage());
      }
    }
    String secret = env.string("MESH_JWT_SECRET", null);
    if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
      env.reject("MESH_JWT_SECRET: must be at least 32 bytes (256 bits)");
    }
    Map<String, String> secrets = secrets(env);
    JwksOptions jwks = jwks(env);
    if (secret == null
        && secrets.isEmpty()
        && jwks == null
        && env.string("MESH_JWT_PUBLIC_KEYS", null) == null) {
      env.reject(
          "no JWT key: set MESH_JWT_SECRET or MESH_JWT_SECRETS (HS256), MESH_JWT_PUBLIC_KEYS (RS256/ES256 PEM"
              + " files) or MESH_JWT_JWKS_URL");
    }
    String authorizer = env.string("MESH_AUTHORIZER", AUTHORIZER_CLAIMS);
    if (!authorizer.equals(AUTHORIZER_CLAIMS) && !authorizer.equals(AUTHORIZER_BUS)) {
      env.reject("MESH_AUTHORIZER=" + authorizer + ": must be claims or bus");
    }
    boolean demo = env.bool("MESH_DEMO_TOKENS", false);
    if (demo && secret == null) {
      env.reject("MESH_DEMO_TOKENS=true needs MESH_JWT_SECRET");
    }
    String cookie = env.string("MESH_AUTH_COOKIE", DEFAULT_COOKIE_NAME);
    String cookieName = cookie.equalsIgnoreCase(NO_COOKIE) ? null : cookie;
    List<String> origins = origins(env, cookieName);
    return new AuthOptions(
        secret,
        secrets,
        keys,
        jwks,
        env.string("MESH_JWT_ISSUER", null),
        env.string("MESH_JWT_AUDIENCE", null),
        env.duration("MESH_JWT_LEEWAY", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(5)),
        origins,
        cookieName,
        env.duration(
            "MESH_TICKET_TTL", DEFAULT_TICKET_TTL, Duration.ofSeconds(1), Duration.ofMinutes(10)),
        env.duration(
            "MESH_TOKEN_REFRESH_WINDOW",
            DEFAULT_REFRESH_WINDOW,
            Duration.ZERO,
            Duration.ofHours(1)),
        env.duration("MESH_TOKEN_GRACE", DEFAULT_REFRESH_GRACE, Duration.ZERO, Duration.ofHours(1)),
        authorizer,
        env.list("MESH_DEFAULT_SUBSCRIBE", DEFAULT_SUBSCRIBE),
        env.list("MESH_DEFAULT_PUBLISH", List.of()),
        demo);
  }

  /**
   * {@code MESH_JWT_SECRETS=kid1:secret1,kid2:secret2}: each secret at least 32 bytes, each kid
   * once.
   */
  private static Map<String, String> secrets(Env env) {
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String item : env.list("MESH_JWT_SECRETS", List.of())) {
      int colon = item.indexOf(':');
      String kid = colon < 0 ? "" : item.substring(0, colon).trim();
      String value = colon < 0 ? "" : item.substring(colon + 1).trim();
      if (!KID.matcher(kid).matches()) {
        env.reject(
            "MESH_JWT_SECRETS: each item must be <kid>:<secret> with a kid of 1-128 characters of"
                + " A-Z a-z 0-9 _ . -");
      } else if (value.getBytes(StandardCharsets.UTF_8).length < 32) {
        env.reject(
            "MESH_JWT_SECRETS: the secret of kid " + kid + " must be at least 32 bytes (256 bits)");
      } else if (secrets.put(kid, value) != null) {
        env.reject("MESH_JWT_SECRETS: kid " + kid + " is listed twice");
      }
    }
    return secrets;
  }

  private static JwksOptions jwks(Env env) {
    String url = env.string("MESH_JWT_JWKS_URL", null);
    Duration refresh =
        env.duration(
            "MESH_JWT_JWKS_REFRESH",
            JwksOptions.DEFAULT_REFRESH,
            Duration.ofSeconds(10),
            Duration.ofDays(1));
    Duration timeout =
        env.duration(
            "MESH_JWT_JWKS_TIMEOUT",
            JwksOptions.DEFAULT_TIMEOUT,
            Duration.ofMillis(100),
            Duration.ofMinutes(1));
    if (url == null) {
      return null;
    }
    try {
      URI uri = URI.create(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((!scheme.equals("https") && !scheme.equals("http")) || uri.getHost() == null) {
        env.reject("MESH_JWT_JWKS_URL=" + url + ": must be an http or https URL");
        return null;
      }
      return new JwksOptions(
          uri, refresh, timeout, Duration.ofSeconds(JwksOptions.DEFAULT_MIN_REFRESH_GAP_SECONDS));
    } catch (IllegalArgumentException e) {
      env.reject("MESH_JWT_JWKS_URL=" + url + ": not a URL (" + e.getMessage() + ")");
      return null;
    }
  }

  /**
   * {@code MESH_ALLOWED_ORIGINS}: exact origins ({@code scheme://host[:port]}), or {@code *} alone.
   * {@code *} with cookie authentication on would let any site open a signed-in user's stream with
   * the user's cookie (cross-site WebSocket hijacking: browsers send cookies on a WebSocket upgrade
   * whatever CORS says), so it is refused.
   */
  private static List<String> origins(Env env, String cookieName) {
    List<String> origins = env.list("MESH_ALLOWED_ORIGINS", List.of());
    if (origins.contains(ANY_ORIGIN)) {
      if (origins.size() > 1) {
        env.reject("MESH_ALLOWED_ORIGINS: * must be alone");
      }
      if (cookieName != null) {
        env.reject(
            "MESH_ALLOWED_ORIGINS=* is refused while cookie authentication is on (any site could open a"
                + " signed-in user's stream with their cookie): list the origins, or set MESH_AUTH_COOKIE=none");
      }
      return origins;
    }
    for (String origin : origins) {
      if (!ORIGIN.matcher(origin).matches()) {
        env.reject(
            "MESH_ALLOWED_ORIGINS: "
                + origin
                + " is not an origin (scheme://host[:port], no path)");
      }
    }
    return origins;
  }

  /** Whether {@code MESH_ALLOWED_ORIGINS} is {@code *}: any origin, CORS without credentials. */
  public boolean anyOrigin() {
    return allowedOrigins.contains(ANY_ORIGIN);
  }

  /**
   * For tests: HS256 with this secret; any origin; everyone may subscribe and publish to any public
   * channel.
   */
  public static AuthOptions forTest(String secret) {
    return new AuthOptions(
        secret,
        Map.of(),
        List.of(),
        null,
        null,
        null,
        Duration.ZERO,
        List.of(ANY_ORIGIN),
        DEFAULT_COOKIE_NAME,
        DEFAULT_TICKET_TTL,
        DEFAULT_REFRESH_WINDOW,
        DEFAULT_REFRESH_GRACE,
        AUTHORIZER_CLAIMS,
        List.of("*"),
        List.of("*"),
        false);
  }

  public AuthOptions withPublicKeys(List<String> pems) {
    return new AuthOptions(
        secret,
        secrets,
        pems,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withSecrets(String defaultSecret, Map<String, String> byKid) {
    return new AuthOptions(
        defaultSecret,
        byKid,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withJwks(JwksOptions value) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        value,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withClaimChecks(String requiredIssuer, String requiredAudience) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        requiredIssuer,
        requiredAudience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withOrigins(List<String> origins) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        origins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withCookie(String name) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        name,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withRefresh(Duration window, Duration grace) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        window,
        grace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withAuthorizer(String value) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        value,
        defaultSubscribe,
        defaultPublish,
        demoTokens);
  }

  public AuthOptions withDefaults(List<String> subscribe, List<String> publish) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        subscribe,
        publish,
        demoTokens);
  }

  public AuthOptions withDemoTokens(boolean value) {
    return new AuthOptions(
        secret,
        secrets,
        publicKeys,
        jwks,
        issuer,
        audience,
        leeway,
        allowedOrigins,
        cookieName,
        ticketTtl,
        refreshWindow,
        refreshGrace,
        authorizer,
        defaultSubscribe,
        defaultPublish,
        value);
  }
}
