package dev.mesh.connection.auth;

import dev.mesh.common.identity.ClientIds;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies one JWS compact token in the only safe order (docs/PROTOCOL.md §2.2): parse, algorithm
 * allow-list, key by {@code kid}, <b>signature</b>, and only then the claims. The claims of a token
 * whose signature does not verify are never evaluated, so a refusal never tells which claims a
 * forged token would pass. Every failure, including any runtime exception on hostile input (an
 * {@code exp} beyond what {@link Instant} holds, a deeply nested header...), is an {@link
 * AuthFailure}: the caller answers 401, never 500 and never nothing.
 */
public final class TokenVerifier {

  /** Longer tokens are refused unparsed: verification work is bounded whatever the input. */
  public static final int MAX_TOKEN_CHARS = 8192;

  /**
   * 9999-12-31T23:59:59Z: a NumericDate past it is refused instead of overflowing time arithmetic.
   */
  static final long MAX_NUMERIC_DATE = 253_402_300_799L;

  private static final int MAX_KID_CHARS = 256;

  /** Distinct accepted header spellings remembered (a few per key of each issuer). */
  static final int CACHED_HEADERS = 64;

  private final Map<String, Header> headers = new ConcurrentHashMap<>();

  /**
   * A token split and decoded, before anything about it is trusted. A class, not a record: a record
   * would compare its byte arrays by identity.
   */
  public static final class Parsed {
    private final String algorithm;
    private final String kid;
    private final JsonObject claims;
    private final byte[] signingInput;
    private final byte[] signature;
    private final String encodedHeader;

    Parsed(
        String encodedHeader,
        String algorithm,
        String kid,
        JsonObject claims,
        byte[] signingInput,
        byte[] signature) {
      this.encodedHeader = encodedHeader;
      this.algorithm = algorithm;
      this.kid = kid;
      this.claims = claims;
      this.signingInput = signingInput;
      this.signature = signature;
    }

    public String algorithm() {
      return algorithm;
    }

    public String kid() {
      return kid;
    }

    public JsonObject claims() {
      return claims;
    }

    /** Read only by {@link #check}; never handed out of this package. */
    byte[] signingInput() {
      return signingInput;
    }

    byte[] signature() {
      return signature;
    }
  }

  private final Set<String> algorithms;
  private final String issuer;
  private final String audience;
  private final long leewaySeconds;
  private final Clock clock;

  /**
   * @param algorithms the allow-list: algorithms that have (or, with a JWKS, may have) a key
   * @param issuer required {@code iss}, or null
   * @param audience required member of {@code aud}, or null
   */
  public TokenVerifier(Set<String> algorithms, String issuer, String audience, long leewaySeconds) {
    this(algorithms, issuer, audience, leewaySeconds, Clock.systemUTC());
  }

  /** With a clock of its own: tests check published example tokens at the time they were valid. */
  TokenVerifier(
      Set<String> algorithms, String issuer, String audience, long leewaySeconds, Clock clock) {
    this.algorithms = Set.copyOf(algorithms);
    this.issuer = issuer;
    this.audience = audience;
    this.leewaySeconds = leewaySeconds;
    this.clock = clock;
  }

  public Set<String> algorithms() {
    return algorithms;
  }

  /** Steps 1 and 2: three base64url parts, JSON header and payload, an allowed {@code alg}. */
  public Parsed parse(String token) {
    try {
      return parseUnchecked(token);
    } catch (AuthFailure failure) {
      throw failure;
    } catch (RuntimeException e) {
      throw new AuthFailure(AuthFailure.Cause.MALFORMED, "token is not a JWT");
    }
  }

  private Parsed parseUnchecked(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new AuthFailure(
          AuthFailure.Cause.MALFORMED, "token longer than " + MAX_TOKEN_CHARS + " characters");
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
      throw new AuthFailure(
          AuthFailure.Cause.MALFORMED, "token is not a JWT: three dot-separated parts expected");
    }
    String encodedHeader = token.substring(0, first);
    Header known = headers.get(encodedHeader);
    // Both parts are parsed before the header is judged, as always: the refusal a token gets does
    // not depend on what the cache holds.
    JsonObject unknownHeader = known == null ? json(encodedHeader) : null;
    JsonObject claims = json(token.substring(first + 1, second));
    Header header = known != null ? known : accepted(unknownHeader);
    byte[] signature = decode(token.substring(second + 1));
    byte[] signingInput = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
    return new Parsed(
        encodedHeader, header.algorithm(), header.kid(), claims, signingInput, signature);
  }

  /** What Mesh reads of a token's header: an allowed {@code alg} and the {@code kid}, if any. */
  private record Header(String algorithm, String kid) {}

  /** How many header spellings are remembered now (at most {@link #CACHED_HEADERS}). */
  int rememberedHeaders() {
    return headers.size();
  }

  /**
   * A part's JSON object, read with jackson-core's streaming parser. {@code new JsonObject(text)}
   * goes through Jackson databind whenever databind is on the classpath (Mesh's codec needs it),
   * and that path was half of a token check's CPU on a first connect. Both read the same JSON the
   * same way: nested objects as maps, numbers as Integer, Long, BigInteger or Double, comments
   * allowed, trailing content refused.
   */
  @SuppressWarnings("unchecked")
  private static JsonObject json(String encodedPart) {
    String text = new String(decode(encodedPart), StandardCharsets.UTF_8);
    Map<String, Object> fields =
        JacksonCodec.fromParser(JacksonCodec.createParser(text), Map.class);
    if (fields == null) {
      throw new DecodeException("not a JSON object: null");
    }
    return new JsonObject(fields);
  }

  /**
   * The checks of a header not remembered. An issuer signs every token with the same few headers
   * (one per key), so the headers of tokens whose signature verified are remembered by {@link
   * #checked}, up to {@link #CACHED_HEADERS} spellings: parsing them again was a twentieth of a
   * connect's CPU. The memory is keyed by the exact text, so what it holds is what these checks
   * would say; a refused header, or one that never came with a valid signature, is never remembered
   * (unsigned junk cannot crowd out an issuer's headers).
   */
  private Header accepted(JsonObject header) {
    Object alg = header.getValue("alg");
    if (!(alg instanceof String algorithm) || !algorithms.contains(algorithm)) {
      throw new AuthFailure(
          AuthFailure.Cause.ALGORITHM,
          "token algorithm is not accepted (accepted: "
              + String.join(", ", algorithms.stream().sorted().toList())
              + ")",
          "alg=" + alg);
    }
    if (header.containsKey("crit")) {
      // RFC 7515 §4.1.11: extensions Mesh does not implement (e.g. unencoded payloads) must be
      // refused.
      throw new AuthFailure(
          AuthFailure.Cause.MALFORMED, "token header has crit extensions, which are not supported");
    }
    Object kid = header.getValue("kid");
    if (kid != null
        && (!(kid instanceof String text) || text.isEmpty() || text.length() > MAX_KID_CHARS)) {
      throw new AuthFailure(
          AuthFailure.Cause.MALFORMED,
          "token kid must be a string of 1-" + MAX_KID_CHARS + " characters");
    }
    return new Header(algorithm, (String) kid);
  }

  /**
   * Strict base64url (RFC 7515 §2): no padding, and only the canonical spelling of the bytes.
   * Java's decoder ignores the unused low bits of the last character, so without the round trip two
   * different strings would be one token.
   */
  private static byte[] decode(String part) {
    byte[] bytes = Base64.getUrlDecoder().decode(part);
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(part)) {
      throw new AuthFailure(AuthFailure.Cause.MALFORMED, "token is not canonical base64url");
    }
    return bytes;
  }

  /**
   * Steps 3 and 4: the signature against the candidate keys, then the claims. {@code candidates}
   * are the keys {@link KeySet#candidates} picked for this token; none is a {@code bad-signature}
   * refusal.
   */
  public VerifiedToken check(Parsed token, List<VerificationKey> candidates) {
    return checked(token, candidates).token();
  }

  /** A verified token and the key whose signature it carries. */
  record Checked(VerifiedToken token, VerificationKey key) {}

  /** As {@link #check}, telling which of the candidates signed the token. */
  Checked checked(Parsed token, List<VerificationKey> candidates) {
    try {
      VerificationKey signer = null;
      for (VerificationKey key : candidates) {
        if (key.verifies(token.signingInput(), token.signature())) {
          signer = key;
          break;
        }
      }
      if (signer == null) {
        throw new AuthFailure(
            AuthFailure.Cause.BAD_SIGNATURE,
            candidates.isEmpty()
                ? "no configured key matches the token's algorithm and kid"
                : "token signature does not verify",
            token.kid() == null ? null : "kid=" + token.kid());
      }
      if (headers.size() < CACHED_HEADERS) {
        headers.putIfAbsent(token.encodedHeader, new Header(token.algorithm(), token.kid()));
      }
      return new Checked(claims(token.claims()), signer);
    } catch (AuthFailure failure) {
      throw failure;
    } catch (RuntimeException e) {
      throw new AuthFailure(AuthFailure.Cause.MALFORMED, "token could not be verified");
    }
  }

  private VerifiedToken claims(JsonObject claims) {
    long now = clock.instant().getEpochSecond();
    Long exp = numericDate(claims, "exp");
    if (exp == null) {
      throw new AuthFailure(AuthFailure.Cause.CLAIMS, "token has no numeric exp");
    }
    if (exp + leewaySeconds <= now) {
      throw new AuthFailure(AuthFailure.Cause.EXPIRED, "token expired");
    }
    Long nbf = numericDate(claims, "nbf");
    if (nbf != null && nbf - leewaySeconds > now) {
      throw new AuthFailure(AuthFailure.Cause.NOT_YET_VALID, "token not valid yet");
    }
    Long iat = numericDate(claims, "iat");
    if (iat != null && iat - leewaySeconds > now) {
      throw new AuthFailure(AuthFailure.Cause.CLAIMS, "token issued in the future (iat)");
    }
    Object subject = claims.getValue("sub");
    if (!(subject instanceof String user) || !ClientIds.isUserId(user)) {
      throw new AuthFailure(
          AuthFailure.Cause.CLAIMS, "sub must be 1-64 characters of A-Z a-z 0-9 _ . @ -");
    }
    if (issuer != null && !issuer.equals(claims.getValue("iss"))) {
      throw new AuthFailure(AuthFailure.Cause.CLAIMS, "iss must be " + issuer);
    }
    if (audience != null) {
      // RFC 7519 §4.1.3: aud is a string or an array of strings.
      Object aud = claims.getValue("aud");
      boolean listed =
          aud instanceof String single
              ? single.equals(audience)
              : aud instanceof JsonArray many && many.contains(audience);
      if (!listed) {
        throw new AuthFailure(AuthFailure.Cause.CLAIMS, "aud must include " + audience);
      }
    }
    return new VerifiedToken(user, claims, Instant.ofEpochSecond(exp));
  }

  /**
   * A NumericDate claim (RFC 7519 §2: seconds, possibly fractional) as whole seconds; null when
   * absent. A value that is not a finite number between 0 and {@link #MAX_NUMERIC_DATE} is a {@code
   * claims} refusal.
   */
  private static Long numericDate(JsonObject claims, String name) {
    Object value = claims.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number)) {
      throw new AuthFailure(AuthFailure.Cause.CLAIMS, name + " must be a number");
    }
    double seconds = number.doubleValue();
    if (!Double.isFinite(seconds) || seconds < 0 || seconds > MAX_NUMERIC_DATE) {
      throw new AuthFailure(AuthFailure.Cause.CLAIMS, name + " is out of range");
    }
    return (long) Math.floor(seconds);
  }
}
