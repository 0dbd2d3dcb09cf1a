package dev.mesh.connection.auth;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A token whose signature, algorithm, expiry, issuer and audience were checked; {@code userId} is
 * its {@code sub}.
 */
public record VerifiedToken(String userId, JsonObject claims, Instant expiresAt) {

  /** Seconds since the epoch of {@code exp}, or null when the token does not expire. */
  public boolean expires() {
    return expiresAt != null;
  }
}
