package dev.mesh.connection.session;

/**
 * Per-connection inbound rate limit: {@code ratePerSecond} sustained, {@code burst} at once. Not
 * thread-safe.
 */
public final class TokenBucket {

  private final double ratePerNano;
  private final int burst;
  private double tokens;
  private long last;

  public TokenBucket(int ratePerSecond, int burst, long nowNanos) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.last = nowNanos;
  }

  /** Takes one token if there is one. */
  public boolean tryTake(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - last) * ratePerNano);
    last = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Nanoseconds until a token is available; 0 when one is. */
  public long nanosUntilToken(long nowNanos) {
    double available = Math.min(burst, tokens + (nowNanos - last) * ratePerNano);
    if (available >= 1) {
      return 0;
    }
    return (long) Math.ceil((1 - available) / ratePerNano);
  }

  /** What the bucket lets through in {@code elapsedNanos} from full: the burst plus the refill. */
  public double allowance(long elapsedNanos) {
    return burst + elapsedNanos * ratePerNano;
  }
}
