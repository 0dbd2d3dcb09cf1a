package dev.mesh.connection.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The node's cache of verified tokens: a kept token expires when a verified one would, the cache
 * holds no more than its capacity (least recently used dropped), and what cannot expire is never
 * kept.
 */
class VerifiedTokenCacheTest {

  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    long epochSecond;

    HandClock(long epochSecond) {
      this.epochSecond = epochSecond;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochSecond(epochSecond);
    }
  }

  private static VerifiedToken expiringAt(String user, long exp) {
    return new VerifiedToken(user, new JsonObject().put("sub", user), Instant.ofEpochSecond(exp));
  }

  @Test
  void aKeptTokenExpiresAtExpPlusLeewayAndIsThenDropped() {
    HandClock clock = new HandClock(990);
    VerifiedTokenCache cache = new VerifiedTokenCache(10, 5, clock);
    VerifiedToken ann = expiringAt("ann", 1000);
    cache.put("token-ann", ann);

    clock.epochSecond = 1004;
    assertThat(cache.get("token-ann")).as("within the leeway").isSameAs(ann);
    clock.epochSecond = 1005;
    assertThat(cache.get("token-ann")).as("at exp + leeway").isNull();
    assertThat(cache.size()).as("an expired token is dropped when found").isZero();
    assertThat(cache.get("never-kept")).isNull();
    assertThat(cache.hits()).as("only the one token served counts").isEqualTo(1);
  }

  @Test
  void holdsAtMostItsCapacityDroppingTheLeastRecentlyUsed() {
    VerifiedTokenCache cache = new VerifiedTokenCache(2, 0, new HandClock(0));
    cache.put("a", expiringAt("a", 100));
    cache.put("b", expiringAt("b", 100));
    assertThat(cache.get("a")).isNotNull();
    cache.put("c", expiringAt("c", 100));

    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.get("b")).as("least recently used").isNull();
    assertThat(cache.get("a")).isNotNull();
    assertThat(cache.get("c")).isNotNull();
  }

  @Test
  void needsTheExactTokenAndNeverKeepsOneWithoutExpiry() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10, 0, new HandClock(0));
    cache.put("header.payload.signature", expiringAt("ann", 100));
    assertThat(cache.get("header.payload.signaturE")).isNull();
    assertThat(cache.get("header.payload.signature ")).isNull();

    cache.put("no-exp", new VerifiedToken("ben", new JsonObject(), null));
    assertThat(cache.get("no-exp")).isNull();
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void refusesACapacityBelowOne() {
    assertThatThrownBy(() -> new VerifiedTokenCache(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity");
  }
}
