package dev.mesh.connection.http;

import java.security.SecureRandom;
import java.util.Base64;

/** Server-assigned connection ids: 128 random bits, base64url without padding (22 characters). */
final class ConnectionIds {

  private static final SecureRandom RANDOM = new SecureRandom();

  private ConnectionIds() {}

  static String next() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
