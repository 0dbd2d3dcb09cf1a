package dev.mesh.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bench pages reconnect by the browser client's rule (mesh-client's {@code reconnectDelay},
 * PROTOCOL 5.3): the same numbers as its unit tests ({@code mesh-client-reconnect.test.mjs}) for
 * the same random draws.
 */
@DisplayName("ClientPolicy: the browser client's reconnect delays")
class ClientPolicyTest {

  private final ClientPolicy browser = ClientPolicy.browser();

  @Test
  @DisplayName("defaults as mesh-client's: first retry spread over 5 s, hints plus at most 10 %")
  void defaults() {
    assertThat(browser.firstRetrySpread()).isEqualTo(Duration.ofSeconds(5));
    assertThat(browser.hintJitter()).isEqualTo(0.1);
    assertThat(ClientPolicy.browserStrict().maxAttempts()).isEqualTo(10);
  }

  @Test
  @DisplayName("a hint is never shortened: hint * U(1, 1 + jitter) at any attempt; 0 stays 0")
  void hints() {
    assertThat(browser.reconnectDelayMillis(1, 3412, true, 0)).isEqualTo(3412);
    assertThat(browser.reconnectDelayMillis(1, 3412, true, 1)).isEqualTo(3753);
    assertThat(browser.reconnectDelayMillis(5, 2000, true, 0.5)).isEqualTo(2100);
    assertThat(browser.reconnectDelayMillis(1, 0, true, 1)).isZero();
  }

  @Test
  @DisplayName(
      "first attempt after a network close: U(0, 5 s); later ones, own detection, spread off: the backoff")
  void firstRetrySpread() {
    assertThat(browser.reconnectDelayMillis(1, -1, true, 0)).isZero();
    assertThat(browser.reconnectDelayMillis(1, -1, true, 0.5)).isEqualTo(2500);
    assertThat(browser.reconnectDelayMillis(2, -1, true, 0.5)).isEqualTo(2000);
    assertThat(browser.reconnectDelayMillis(1, -1, false, 0.5)).isEqualTo(1000);
    assertThat(browser.withFirstRetrySpread(Duration.ZERO).reconnectDelayMillis(1, -1, true, 0.5))
        .isEqualTo(1000);
  }

  @Test
  @DisplayName(
      "5,000 pages dropped at once come back spread over 5 s, never more than ~1,100 in one second")
  void stormIsSpread() {
    SplittableRandom random = new SplittableRandom(42);
    int[] perSecond = new int[5];
    for (int page = 0; page < 5000; page++) {
      long delay = browser.reconnectDelayMillis(1, -1, true, random.nextDouble());
      assertThat(delay).isBetween(0L, 5000L);
      perSecond[(int) Math.min(4, delay / 1000)]++;
    }
    for (int second = 0; second < 5; second++) {
      assertThat(perSecond[second]).as("attempts in second %d", second).isBetween(900, 1100);
    }
    // Without the spread the same storm returns within 0.8-1.2 s: all in two seconds' slots at
    // most.
    ClientPolicy unspread = browser.withFirstRetrySpread(Duration.ZERO);
    for (int page = 0; page < 100; page++) {
      assertThat(unspread.reconnectDelayMillis(1, -1, true, random.nextDouble()))
          .isBetween(800L, 1200L);
    }
  }
}
