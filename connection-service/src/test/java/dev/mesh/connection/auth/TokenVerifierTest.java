package dev.mesh.connection.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenVerifier} against the published examples of RFC 7515 (JWS, appendix A.1-A.3) and RFC
 * 7519 (JWT §3.1, the unsecured JWT of §6.1), the classic attacks (alg {@code none}, algorithm
 * confusion, kid injection, forged claims that would overflow time arithmetic), and a fuzzer of
 * valid tokens.
 */
@DisplayName("Token verification: signature first, published vectors, attacks, fuzzing")
class TokenVerifierTest {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Set<String> ALL = Set.of("HS256", "RS256", "ES256");

  /**
   * RFC 7515 A.1 / RFC 7519 §3.1: payload
   * {"iss":"joe","exp":1300819380,"http://example.com/is_root":true}.
   */
  private static final String RFC_PAYLOAD =
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

  private static final String A1_TOKEN =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
          + RFC_PAYLOAD
          + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  private static final String A1_KEY =
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
  static final String A2_TOKEN =
      "eyJhbGciOiJSUzI1NiJ9."
          + RFC_PAYLOAD
          + ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERa"
          + "t0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZ"
          + "LgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noO"
          + "PqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
  static final JsonObject A2_JWK =
      new JsonObject()
          .put("kty", "RSA")
          .put("e", "AQAB")
          .put(
              "n",
              "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-p"
                  + "CgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2Ca"
                  + "pHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb"
                  + "54h4FRWyuXpoQ");
  static final String A3_TOKEN =
      "eyJhbGciOiJFUzI1NiJ9."
          + RFC_PAYLOAD
          + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  static final JsonObject A3_JWK =
      new JsonObject()
          .put("kty", "EC")
          .put("crv", "P-256")
          .put("x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")
          .put("y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");

  /** RFC 7519 §6.1: the same claims, unsecured ({"alg":"none"}, empty signature). */
  private static final String UNSECURED_TOKEN = "eyJhbGciOiJub25lIn0." + RFC_PAYLOAD + ".";

  /** A moment when the RFC examples had not expired yet (their exp is 2011-03-22T18:43:00Z). */
  private static final Clock BEFORE_RFC_EXP =
      Clock.fixed(Instant.ofEpochSecond(1_300_819_000L), ZoneOffset.UTC);

  private static AuthFailure.Cause refusal(TokenVerifier verifier, KeySet keys, String token) {
    Throwable thrown =
        catchThrowable(
            () -> {
              TokenVerifier.Parsed parsed = verifier.parse(token);
              verifier.check(parsed, keys.candidates(parsed.algorithm(), parsed.kid()));
            });
    assertThat(thrown).as("refusal of %s", token).isInstanceOf(AuthFailure.class);
    return ((AuthFailure) thrown).reason();
  }

  private static VerifiedToken accept(TokenVerifier verifier, KeySet keys, String token) {
    TokenVerifier.Parsed parsed = verifier.parse(token);
    return verifier.check(parsed, keys.candidates(parsed.algorithm(), parsed.kid()));
  }

  private static String tamperPayload(String token, String payloadJson) {
    String[] parts = token.split("\\.", -1);
    return parts[0]
        + "."
        + B64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8))
        + "."
        + parts[2];
  }

  static String hs256(byte[] key, String headerJson, JsonObject claims) throws Exception {
    return hs256(key, headerJson, claims.encode());
  }

  /** A validly signed token whose payload is {@code payloadText}, JSON or not. */
  static String hs256(byte[] key, String headerJson, String payloadText) throws Exception {
    String input =
        B64.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(payloadText.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  static String signed(String scheme, KeyPair pair, String headerJson, JsonObject claims)
      throws Exception {
    String input =
        B64.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance(scheme);
    signer.initSign(pair.getPrivate());
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64.encodeToString(signer.sign());
  }

  private static JsonObject claims(String sub, long expInSeconds) {
    return new JsonObject()
        .put("sub", sub)
        .put("exp", Instant.now().getEpochSecond() + expInSeconds);
  }

  @Test
  @DisplayName(
      "RFC 7515 A.1 (HS256), A.2 (RS256), A.3 (ES256): the signatures verify, claims are checked only after")
  void rfc7515Vectors() {
    KeySet keys =
        new KeySet(
            List.of(
                VerificationKey.hs256(Base64.getUrlDecoder().decode(A1_KEY), null, "A.1"),
                JwksKeys.fromJwk(A2_JWK, "A.2"),
                JwksKeys.fromJwk(A3_JWK, "A.3")));
    TokenVerifier then = new TokenVerifier(ALL, null, null, 0, BEFORE_RFC_EXP);
    TokenVerifier now = new TokenVerifier(ALL, null, null, 0);
    for (String token : List.of(A1_TOKEN, A2_TOKEN, A3_TOKEN)) {
      // Before its exp the example passes every check up to sub, which it lacks: its signature
      // verified.
      assertThatThrownBy(() -> accept(then, keys, token))
          .isInstanceOf(AuthFailure.class)
          .hasMessageContaining("sub")
          .extracting(e -> ((AuthFailure) e).reason())
          .isEqualTo(AuthFailure.Cause.CLAIMS);
      // Today it is expired: the refusal names exp, which only a verified signature may reveal.
      assertThat(refusal(now, keys, token)).isEqualTo(AuthFailure.Cause.EXPIRED);
      // The same claims with a changed payload byte: the signature no longer covers them.
      String forged = tamperPayload(token, "{\"iss\":\"joe\",\"exp\":1300819380,\"sub\":\"root\"}");
      assertThat(refusal(then, keys, forged)).isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    }
  }

  @Test
  @DisplayName(
      "RFC 7519: the §3.1 example verifies with its key; the §6.1 unsecured JWT (alg none) is refused before anything else")
  void rfc7519Vectors() {
    KeySet keys =
        new KeySet(
            List.of(VerificationKey.hs256(Base64.getUrlDecoder().decode(A1_KEY), null, "A.1")));
    TokenVerifier verifier = new TokenVerifier(ALL, null, null, 0, BEFORE_RFC_EXP);
    assertThatThrownBy(() -> accept(verifier, keys, A1_TOKEN)).hasMessageContaining("sub");
    assertThat(refusal(verifier, keys, UNSECURED_TOKEN)).isEqualTo(AuthFailure.Cause.ALGORITHM);
    for (String none : List.of("none", "None", "NONE", "nOnE")) {
      String header =
          B64.encodeToString(("{\"alg\":\"" + none + "\"}").getBytes(StandardCharsets.UTF_8));
      assertThat(refusal(verifier, keys, header + "." + RFC_PAYLOAD + "."))
          .isEqualTo(AuthFailure.Cause.ALGORITHM);
    }
    String noAlg = B64.encodeToString("{\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(refusal(verifier, keys, noAlg + "." + RFC_PAYLOAD + "."))
        .isEqualTo(AuthFailure.Cause.ALGORITHM);
  }

  @Test
  @DisplayName(
      "the issue's forged token (exp=10^17, any signature) is bad-signature; the same claims signed are a 401 claims, never an exception")
  void forgedExpOutOfRange() throws Exception {
    byte[] secret = "verifier-test-secret-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);
    KeySet keys = new KeySet(List.of(VerificationKey.hs256(secret, null, "test")));
    TokenVerifier verifier = new TokenVerifier(Set.of("HS256"), null, null, 0);
    String forged =
        B64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(
                "{\"sub\":\"a\",\"exp\":100000000000000000}".getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(new byte[32]);
    assertThat(refusal(verifier, keys, forged)).isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    for (Object exp : List.of(100_000_000_000_000_000L, 1e300, -5, "tomorrow", Long.MAX_VALUE)) {
      String token =
          hs256(secret, "{\"alg\":\"HS256\"}", new JsonObject().put("sub", "a").put("exp", exp));
      assertThat(refusal(verifier, keys, token))
          .as("exp=%s", exp)
          .isEqualTo(AuthFailure.Cause.CLAIMS);
    }
    String hugeNbf = hs256(secret, "{\"alg\":\"HS256\"}", claims("a", 60).put("nbf", 1e300));
    assertThat(refusal(verifier, keys, hugeNbf)).isEqualTo(AuthFailure.Cause.CLAIMS);
  }

  @Test
  @DisplayName(
      "algorithm confusion: an HS256 token whose secret is the server's RSA public key is refused")
  void algorithmConfusion() throws Exception {
    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    JsonObject claims = claims("mallory", 600);
    List<byte[]> publicKeyAsSecret =
        List.of(pem.getBytes(StandardCharsets.UTF_8), rsa.getPublic().getEncoded());
    // Only RS256 configured: HS256 is not on the allow-list at all.
    KeySet rsaOnly = new KeySet(List.of(VerificationKey.pem(pem, "pem")));
    TokenVerifier rsaVerifier = new TokenVerifier(Set.of("RS256"), null, null, 0);
    // RS256 and an HS256 secret: the HS256 token is checked against the HS256 secret only, never
    // the RSA key.
    KeySet both =
        rsaOnly.plus(
            new KeySet(
                List.of(
                    VerificationKey.hs256(
                        "the-real-hs256-secret-of-32-bytes-or-more"
                            .getBytes(StandardCharsets.UTF_8),
                        null,
                        "secret"))));
    TokenVerifier bothVerifier = new TokenVerifier(Set.of("RS256", "HS256"), null, null, 0);
    for (byte[] secret : publicKeyAsSecret) {
      String confused = hs256(secret, "{\"alg\":\"HS256\"}", claims);
      assertThat(refusal(rsaVerifier, rsaOnly, confused)).isEqualTo(AuthFailure.Cause.ALGORITHM);
      assertThat(refusal(bothVerifier, both, confused)).isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    }
    assertThat(
            accept(
                    rsaVerifier,
                    rsaOnly,
                    signed("SHA256withRSA", rsa, "{\"alg\":\"RS256\"}", claims))
                .userId())
        .isEqualTo("mallory");
  }

  @Test
  @DisplayName(
      "kid selects the HS256 secret: rotation accepts both kids; an unknown, injected or odd kid is refused, never another key")
  void kidSelection() throws Exception {
    byte[] old = "old-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    byte[] current = "new-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    byte[] plain = "default-secret-of-at-least-32-bytes!!!".getBytes(StandardCharsets.UTF_8);
    KeySet keys =
        new KeySet(
            List.of(
                VerificationKey.hs256(plain, null, "MESH_JWT_SECRET"),
                VerificationKey.hs256(old, "k1", "MESH_JWT_SECRETS"),
                VerificationKey.hs256(current, "k2", "MESH_JWT_SECRETS")));
    TokenVerifier verifier = new TokenVerifier(Set.of("HS256"), null, null, 0);
    JsonObject claims = claims("ann", 600);
    assertThat(
            accept(verifier, keys, hs256(old, "{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims))
                .userId())
        .isEqualTo("ann");
    assertThat(
            accept(verifier, keys, hs256(current, "{\"alg\":\"HS256\",\"kid\":\"k2\"}", claims))
                .userId())
        .isEqualTo("ann");
    assertThat(accept(verifier, keys, hs256(plain, "{\"alg\":\"HS256\"}", claims)).userId())
        .isEqualTo("ann");
    // A kid names exactly one secret: the old secret under the new kid, or the default secret under
    // any kid, fails.
    assertThat(refusal(verifier, keys, hs256(old, "{\"alg\":\"HS256\",\"kid\":\"k2\"}", claims)))
        .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    assertThat(refusal(verifier, keys, hs256(plain, "{\"alg\":\"HS256\",\"kid\":\"k3\"}", claims)))
        .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    // Injection attempts: the kid is only ever a map key, compared exactly.
    for (String kid :
        List.of(
            "../../dev/null", "k1' OR '1'='1", "k1\u0000", "/etc/passwd", "", "x".repeat(300))) {
      String header = new JsonObject().put("alg", "HS256").put("kid", kid).encode();
      AuthFailure.Cause cause = refusal(verifier, keys, hs256(old, header, claims));
      assertThat(cause)
          .as("kid %s", kid)
          .isIn(AuthFailure.Cause.BAD_SIGNATURE, AuthFailure.Cause.MALFORMED);
    }
    String numericKid = hs256(old, "{\"alg\":\"HS256\",\"kid\":1}", claims);
    assertThat(refusal(verifier, keys, numericKid)).isEqualTo(AuthFailure.Cause.MALFORMED);
    String crit = hs256(plain, "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}", claims);
    assertThat(refusal(verifier, keys, crit)).isEqualTo(AuthFailure.Cause.MALFORMED);
  }

  @Test
  @DisplayName(
      "remembered headers: only those of verified tokens, bounded; a remembered header still selects its key, a refused one is refused every time")
  void rememberedHeaders() throws Exception {
    byte[] k1 = "first-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    byte[] k2 = "second-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    KeySet keys =
        new KeySet(
            List.of(
                VerificationKey.hs256(k1, "k1", "MESH_JWT_SECRETS"),
                VerificationKey.hs256(k2, "k2", "MESH_JWT_SECRETS")));
    TokenVerifier verifier = new TokenVerifier(Set.of("HS256"), null, null, 0);
    byte[] forger = "not-a-configured-secret-of-32-bytes!!".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < TokenVerifier.CACHED_HEADERS * 2; i++) {
      // Well-formed headers on forged tokens: nothing of them is remembered, so junk cannot take
      // the places of an issuer's headers.
      String junk = "{\"alg\":\"HS256\",\"kid\":\"k1\",\"junk\":" + i + "}";
      assertThat(refusal(verifier, keys, hs256(forger, junk, claims("eve", 600))))
          .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    }
    assertThat(verifier.rememberedHeaders()).isZero();
    String headerK1 = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
    for (int i = 0; i < 3; i++) {
      // Same header text every time: from the second token on it comes from memory, and still
      // names k1 alone.
      JsonObject claims = claims("user" + i, 600);
      assertThat(accept(verifier, keys, hs256(k1, headerK1, claims)).userId())
          .isEqualTo("user" + i);
      assertThat(refusal(verifier, keys, hs256(k2, headerK1, claims)))
          .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    }
    assertThat(verifier.rememberedHeaders()).isEqualTo(1);
    String none = "{\"alg\":\"none\"}";
    String crit = "{\"alg\":\"HS256\",\"kid\":\"k1\",\"crit\":[\"b64\"]}";
    for (int i = 0; i < 3; i++) {
      assertThat(refusal(verifier, keys, hs256(k1, none, claims("ann", 600))))
          .isEqualTo(AuthFailure.Cause.ALGORITHM);
      assertThat(refusal(verifier, keys, hs256(k1, crit, claims("ann", 600))))
          .isEqualTo(AuthFailure.Cause.MALFORMED);
    }
    // A bad payload is refused as malformed whether or not its header is remembered.
    String badPayload = tamperPayload(hs256(k1, headerK1, claims("ann", 600)), "{not json");
    assertThat(refusal(verifier, keys, badPayload)).isEqualTo(AuthFailure.Cause.MALFORMED);
    String badPayloadNewHeader =
        tamperPayload(hs256(k1, "{\"kid\":\"k1\",\"alg\":\"HS256\"}", claims("ann", 600)), "{x");
    assertThat(refusal(verifier, keys, badPayloadNewHeader)).isEqualTo(AuthFailure.Cause.MALFORMED);
    // Many distinct spellings (an attacker's, or a key rotation's): past the bound nothing more is
    // remembered, and each is judged on its own text.
    for (int i = 0; i < TokenVerifier.CACHED_HEADERS * 2; i++) {
      String header = "{\"alg\":\"HS256\",\"kid\":\"k1\",\"n\":" + i + "}";
      assertThat(accept(verifier, keys, hs256(k1, header, claims("u" + i, 600))).userId())
          .isEqualTo("u" + i);
      String refused = "{\"alg\":\"HS512\",\"kid\":\"k1\",\"n\":" + i + "}";
      assertThat(refusal(verifier, keys, hs256(k1, refused, claims("u" + i, 600))))
          .isEqualTo(AuthFailure.Cause.ALGORITHM);
    }
    assertThat(verifier.rememberedHeaders()).isEqualTo(TokenVerifier.CACHED_HEADERS);
    assertThat(
            accept(
                    verifier,
                    keys,
                    hs256(k2, "{\"alg\":\"HS256\",\"kid\":\"k2\",\"n\":-1}", claims("late", 600)))
                .userId())
        .isEqualTo("late");
  }

  @Test
  @DisplayName(
      "an ES256 signature in DER form, or of another curve's length, is refused; RSA keys under 2048 bits are refused at load")
  void signatureShapes() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    KeyPair pair = ec.generateKeyPair();
    KeySet keys = new KeySet(List.of(VerificationKey.publicKey(pair.getPublic(), null, "ec")));
    TokenVerifier verifier = new TokenVerifier(Set.of("ES256"), null, null, 0);
    JsonObject claims = claims("eve", 600);
    assertThat(
            accept(
                    verifier,
                    keys,
                    signed("SHA256withECDSAinP1363Format", pair, "{\"alg\":\"ES256\"}", claims))
                .userId())
        .isEqualTo("eve");
    assertThat(
            refusal(verifier, keys, signed("SHA256withECDSA", pair, "{\"alg\":\"ES256\"}", claims)))
        .isEqualTo(AuthFailure.Cause.BAD_SIGNATURE);
    KeyPairGenerator small = KeyPairGenerator.getInstance("RSA");
    small.initialize(1024);
    assertThatThrownBy(
            () -> VerificationKey.publicKey(small.generateKeyPair().getPublic(), null, "weak"))
        .hasMessageContaining("2048");
  }

  @Test
  @DisplayName(
      "fuzzer: 20,000 random mutations of valid tokens are each refused with an AuthFailure, or accepted only when identical")
  void fuzzedTokens() throws Exception {
    byte[] secret = "fuzz-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
    ecGenerator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    KeyPair ec = ecGenerator.generateKeyPair();
    KeySet keys =
        new KeySet(
            List.of(
                VerificationKey.hs256(secret, null, "hs"),
                VerificationKey.publicKey(ec.getPublic(), null, "ec")));
    TokenVerifier verifier = new TokenVerifier(ALL, null, null, 0);
    JsonObject claims =
        claims("fuzz", 600).put("mesh", new JsonObject().put("subscribe", List.of("*")));
    List<String> seeds =
        List.of(
            hs256(secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims),
            signed("SHA256withECDSAinP1363Format", ec, "{\"alg\":\"ES256\"}", claims));
    Random random = new Random(12);
    String alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\":,\\\u0000é";
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      String seed = seeds.get(i % seeds.size());
      String mutated = mutate(seed, random, alphabet);
      try {
        accept(verifier, keys, mutated);
        assertThat(mutated).as("a mutation was accepted").isEqualTo(seed);
        accepted++;
      } catch (AuthFailure expected) {
        assertThat(expected.reason().status()).isEqualTo(401);
      }
    }
    assertThat(accepted).as("mutations that happened to be no-ops").isLessThan(20_000);
  }

  private static String mutate(String token, Random random, String alphabet) {
    StringBuilder out = new StringBuilder(token);
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && out.length() > 0; e++) {
      int at = random.nextInt(out.length());
      switch (random.nextInt(7)) {
        case 0 -> out.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
        case 1 -> out.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
        case 2 -> out.deleteCharAt(at);
        case 3 -> {
          // Swap two of the three parts.
          String[] parts = out.toString().split("\\.", -1);
          if (parts.length == 3) {
            out = new StringBuilder(parts[1] + "." + parts[0] + "." + parts[2]);
          }
        }
        case 4 -> {
          // Re-encode the header with another alg (none, HS256 on an ES256 token...).
          String[] parts = out.toString().split("\\.", -1);
          String alg =
              List.of("none", "HS256", "RS256", "ES256", "HS512", "").get(random.nextInt(6));
          parts[0] =
              B64.encodeToString(("{\"alg\":\"" + alg + "\"}").getBytes(StandardCharsets.UTF_8));
          out = new StringBuilder(String.join(".", parts));
        }
        case 5 -> {
          // Replace the payload with other well-formed claims (a forged sub or exp).
          String[] parts = out.toString().split("\\.", -1);
          if (parts.length >= 2) {
            parts[1] =
                B64.encodeToString(
                    new JsonObject()
                        .put("sub", "admin")
                        .put("exp", random.nextLong())
                        .encode()
                        .getBytes(StandardCharsets.UTF_8));
            out = new StringBuilder(String.join(".", parts));
          }
        }
        default -> out.setLength(at);
      }
    }
    return out.toString();
  }

  @Test
  @DisplayName(
      "a signed payload that is not one JSON object is refused as malformed; nested claims, big and decimal numbers and comments read as JSON")
  void payloadShapes() throws Exception {
    byte[] secret = "shape-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    KeySet keys = new KeySet(List.of(VerificationKey.hs256(secret, null, "MESH_JWT_SECRET")));
    TokenVerifier verifier = new TokenVerifier(Set.of("HS256"), null, null, 0);
    String header = "{\"alg\":\"HS256\"}";
    long exp = Instant.now().getEpochSecond() + 600;
    for (String notAnObject :
        List.of(
            "null",
            "[1]",
            "\"ann\"",
            "42",
            "",
            "{\"sub\":\"ann\"} x",
            "{\"sub\":\"ann\"}{}",
            "{\"sub\":\"ann\"")) {
      assertThat(refusal(verifier, keys, hs256(secret, header, notAnObject)))
          .as("payload %s", notAnObject)
          .isEqualTo(AuthFailure.Cause.MALFORMED);
    }
    String rich =
        "{\"sub\":\"ann\",/* an issuer's note */\"exp\":"
            + exp
            + ",\"org\":{\"id\":7,\"tags\":[\"a\",{\"b\":true}]},\"big\":123456789012345678901,"
            + "\"ratio\":0.5,\"none\":null}";
    VerifiedToken token = accept(verifier, keys, hs256(secret, header, rich));
    assertThat(token.userId()).isEqualTo("ann");
    assertThat(token.expiresAt()).isEqualTo(Instant.ofEpochSecond(exp));
    JsonObject claims = token.claims();
    assertThat(claims.getJsonObject("org").getInteger("id")).isEqualTo(7);
    assertThat(claims.getJsonObject("org").getJsonArray("tags").getString(0)).isEqualTo("a");
    assertThat(claims.getJsonObject("org").getJsonArray("tags").getJsonObject(1).getBoolean("b"))
        .isTrue();
    assertThat(claims.getValue("big")).isEqualTo(new java.math.BigInteger("123456789012345678901"));
    assertThat(claims.getDouble("ratio")).isEqualTo(0.5);
    assertThat(claims.containsKey("none")).isTrue();
    assertThat(claims.getValue("none")).isNull();
  }

  @Test
  @DisplayName("tokens longer than the bound are refused unparsed")
  void oversizeToken() {
    TokenVerifier verifier = new TokenVerifier(Set.of("HS256"), null, null, 0);
    String huge = "a".repeat(TokenVerifier.MAX_TOKEN_CHARS + 1);
    assertThatThrownBy(() -> verifier.parse(huge))
        .isInstanceOf(AuthFailure.class)
        .extracting(e -> ((AuthFailure) e).reason())
        .isEqualTo(AuthFailure.Cause.MALFORMED);
    List<String> nested = new ArrayList<>();
    nested.add(
        B64.encodeToString(
            ("{\"alg\":" + "[".repeat(2000) + "]".repeat(2000) + "}")
                .getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> verifier.parse(nested.get(0) + ".e30."))
        .isInstanceOf(AuthFailure.class);
  }
}
