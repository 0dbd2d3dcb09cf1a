package dev.mesh.connection.auth;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One key that may verify token signatures: its algorithm ({@code HS256}, {@code RS256} or {@code
 * ES256}, never anything else), the {@code kid} it answers to (null: tokens without {@code kid}, or
 * any kid for a PEM file), and where it came from (for logs). A key verifies only its own
 * algorithm, so an HS256 token can never be checked against an RSA public key used as an HMAC
 * secret (algorithm confusion).
 */
public final class VerificationKey {

  public static final String HS256 = "HS256";
  public static final String RS256 = "RS256";
  public static final String ES256 = "ES256";

  /**
   * RSA keys shorter than this are refused (RFC 7518 §3.3 requires at least 2048 bits for RS256).
   */
  static final int MIN_RSA_BITS = 2048;

  private final String algorithm;
  private final String kid;
  private final String source;
  private final Key key;

  /**
   * HS256 only: one MAC per thread ({@link Mac} is not thread-safe and a lookup per token costs a
   * provider search).
   */
  private final ThreadLocal<Mac> mac;

  private VerificationKey(String algorithm, String kid, String source, Key key) {
    this.algorithm = algorithm;
    this.kid = kid;
    this.source = source;
    this.key = key;
    this.mac = algorithm.equals(HS256) ? ThreadLocal.withInitial(this::newMac) : null;
  }

  /** An HS256 secret (at least 32 bytes). */
  public static VerificationKey hs256(byte[] secret, String kid, String source) {
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          source + ": an HS256 secret must be at least 32 bytes (256 bits)");
    }
    return new VerificationKey(HS256, kid, source, new SecretKeySpec(secret.clone(), "HmacSHA256"));
  }

  /** An RSA (RS256) or EC P-256 (ES256) public key; any other kind or size is refused. */
  public static VerificationKey publicKey(PublicKey key, String kid, String source) {
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
        throw new IllegalArgumentException(
            source
                + ": RSA key of "
                + rsa.getModulus().bitLength()
                + " bits; at least "
                + MIN_RSA_BITS
                + " are required");
      }
      return new VerificationKey(RS256, kid, source, key);
    }
    if (key instanceof ECPublicKey ec) {
      if (!isP256(ec.getParams())) {
        throw new IllegalArgumentException(source + ": EC key is not on P-256 (ES256 needs P-256)");
      }
      return new VerificationKey(ES256, kid, source, key);
    }
    throw new IllegalArgumentException(source + ": public key is neither RSA nor EC");
  }

  /** A PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo) file's text. */
  public static VerificationKey pem(String pem, String source) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    X509EncodedKeySpec spec;
    try {
      spec = new X509EncodedKeySpec(Base64.getDecoder().decode(body));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": not a PEM public key");
    }
    for (String kind : new String[] {"RSA", "EC"}) {
      try {
        return publicKey(KeyFactory.getInstance(kind).generatePublic(spec), null, source);
      } catch (GeneralSecurityException notThisKind) {
        // try the next kind
      }
    }
    throw new IllegalArgumentException(source + ": public key is neither RSA nor EC");
  }

  static boolean isP256(ECParameterSpec params) {
    try {
      var parameters = java.security.AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
      return p256.getCurve().equals(params.getCurve())
          && p256.getGenerator().equals(params.getGenerator())
          && p256.getOrder().equals(params.getOrder());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  public String algorithm() {
    return algorithm;
  }

  /** The {@code kid} this key answers to; null for keys configured without one. */
  public String kid() {
    return kid;
  }

  public String source() {
    return source;
  }

  /**
   * Whether {@code signature} is this key's signature of {@code signingInput} (the ASCII of {@code
   * header.payload}); false for any malformed signature, never an exception.
   */
  public boolean verifies(byte[] signingInput, byte[] signature) {
    try {
      return switch (algorithm) {
        case HS256 -> MessageDigest.isEqual(mac.get().doFinal(signingInput), signature);
        case RS256 -> verifySignature("SHA256withRSA", signingInput, signature);
        // JWS carries R || S (64 bytes for P-256), not DER: the P1363 form of the JDK's ECDSA (RFC
        // 7518 §3.4).
        case ES256 ->
            signature.length == 64
                && verifySignature("SHA256withECDSAinP1363Format", signingInput, signature);
        default -> false;
      };
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private boolean verifySignature(String scheme, byte[] signingInput, byte[] signature)
      throws GeneralSecurityException {
    Signature verifier = Signature.getInstance(scheme);
    verifier.initVerify((PublicKey) key);
    verifier.update(signingInput);
    return verifier.verify(signature);
  }

  private Mac newMac() {
    try {
      Mac instance = Mac.getInstance("HmacSHA256");
      instance.init(key);
      return instance;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return algorithm + (kid == null ? "" : " kid=" + kid) + " (" + source + ")";
  }
}
