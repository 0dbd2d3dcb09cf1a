package dev.mesh.connection.http;

import dev.mesh.connection.session.TokenBucket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per client address, for one kind of request (connection attempts, tickets, SSE
 * POSTs), counted on this node. Memory is bounded: at most {@code maxAddresses} buckets, the least
 * recently used forgotten first (a forgotten address starts again with a full bucket, which errs on
 * the lenient side). Not thread-safe: callers synchronise on it (the edge's event loops share one
 * per door, see {@code Doors}).
 */
public final class AddressRateLimiter {

  /** Addresses remembered at most (a bucket is about 100 bytes with its map entry). */
  public static final int MAX_ADDRESSES = 100_000;

  private final int ratePerSecond;
  private final int burst;
  private final Map<String, TokenBucket> buckets;
  private long refused;

  public AddressRateLimiter(int ratePerSecond, int burst, int maxAddresses) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.buckets =
        new LinkedHashMap<>(1024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
            return size() > maxAddresses;
          }
        };
  }

  /** Takes a token for {@code address}; false when its bucket is empty (the request is refused). */
  public boolean tryAcquire(String address, long nowNanos) {
    TokenBucket bucket =
        buckets.computeIfAbsent(address, a -> new TokenBucket(ratePerSecond, burst, nowNanos));
    if (bucket.tryTake(nowNanos)) {
      return true;
    }
    refused++;
    return false;
  }

  /**
   * Whole seconds until one token is back at the sustained rate (the Retry-After of a refusal), at
   * least 1.
   */
  public int retryAfterSeconds() {
    return Math.max(1, (int) Math.ceil(1.0 / ratePerSecond));
  }

  public long refused() {
    return refused;
  }

  public int addresses() {
    return buckets.size();
  }
}
