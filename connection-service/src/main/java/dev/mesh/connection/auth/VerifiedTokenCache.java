package dev.mesh.connection.auth;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tokens this node verified recently, so that a page reconnecting with the token it already showed
 * (a storm after a node loss, a resume, a network blip) does not pay for the parse, the JSON and
 * the signature again: on a reconnect that was about a tenth of the edge's work per connect.
 *
 * <ul>
 *   <li>Only tokens signed by a key of the node's own configuration are kept ({@link
 *       Authenticator}): those keys cannot change while the node runs, whereas a key dropped from a
 *       JWKS must stop its tokens at once, so JWKS-signed tokens are verified every time (and so
 *       are RS256/ES256 tokens with a kid whenever a JWKS is configured, as it could later name
 *       that kid). Tokens longer than {@value #MAX_TOKEN_CHARS} characters are not kept.
 *   <li>A hit is checked against the clock again: a kept token expires exactly when a verified one
 *       would ({@code exp + leeway}). {@code nbf} and {@code iat} passed their checks (with the
 *       leeway) when it was verified, and time only moves on.
 *   <li>A hit needs the exact token: a forged one never matches a kept one, and costs one hash
 *       lookup before the full verification it gets anyway.
 *   <li>Bounded by the node's connection limit, least recently used dropped first; one per node,
 *       shared by its loops (a reconnect may land on any of them). The lock is held for a map
 *       operation only.
 * </ul>
 *
 * The kept {@link VerifiedToken}s are shared by the sessions that show the same token: their claims
 * are only ever read.
 */
public final class VerifiedTokenCache {

  /**
   * Longest token kept (a typical one is 200-1,000 characters): with the count bound, the cache
   * holds at most 2 KiB of token text per connection the node may hold.
   */
  public static final int MAX_TOKEN_CHARS = 2048;

  private final long leewaySeconds;
  private final Clock clock;
  private final Map<String, VerifiedToken> tokens;
  private final LongAdder hits = new LongAdder();

  public VerifiedTokenCache(int capacity, long leewaySeconds) {
    this(capacity, leewaySeconds, Clock.systemUTC());
  }

  VerifiedTokenCache(int capacity, long leewaySeconds, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.leewaySeconds = leewaySeconds;
    this.clock = clock;
    this.tokens =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, VerifiedToken> eldest) {
            return size() > capacity;
          }
        };
  }

  /** The verification of {@code token} when it is kept and not expired; null otherwise. */
  public VerifiedToken get(String token) {
    VerifiedToken kept;
    synchronized (tokens) {
      kept = tokens.get(token);
    }
    if (kept == null) {
      return null;
    }
    if (kept.expiresAt().getEpochSecond() + leewaySeconds <= clock.instant().getEpochSecond()) {
      synchronized (tokens) {
        tokens.remove(token, kept);
      }
      return null;
    }
    hits.increment();
    return kept;
  }

  /** Tokens served from the cache since the node started. */
  public long hits() {
    return hits.sum();
  }

  /** Keeps a token that was just verified in full (one without {@code exp} is never kept). */
  public void put(String token, VerifiedToken verified) {
    if (verified.expiresAt() == null) {
      return;
    }
    synchronized (tokens) {
      tokens.put(token, verified);
    }
  }

  public int size() {
    synchronized (tokens) {
      return tokens.size();
    }
  }
}
