package dev.mesh.connection.auth;

import java.net.URI;
import java.time.Duration;

/**
 * Where RS256/ES256 keys are fetched from, and how often.
 *
 * @param url {@code MESH_JWT_JWKS_URL}: the identity provider's JWK Set (http or https)
 * @param refreshInterval {@code MESH_JWT_JWKS_REFRESH}, default 5m: periodic refetch
 * @param timeout {@code MESH_JWT_JWKS_TIMEOUT}, default 5s: connect and whole-request timeout of
 *     one fetch
 * @param minRefreshGap fewest time between two fetches set off by tokens with an unknown {@code
 *     kid} ({@value #DEFAULT_MIN_REFRESH_GAP_SECONDS} s; shorter only in tests)
 */
public record JwksOptions(
    URI url, Duration refreshInterval, Duration timeout, Duration minRefreshGap) {

  public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final long DEFAULT_MIN_REFRESH_GAP_SECONDS = 10;

  public static JwksOptions of(URI url) {
    return new JwksOptions(
        url, DEFAULT_REFRESH, DEFAULT_TIMEOUT, Duration.ofSeconds(DEFAULT_MIN_REFRESH_GAP_SECONDS));
  }
}
