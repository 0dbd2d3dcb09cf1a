package dev.mesh.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A publish the server answered with an error ({@code unavailable}, {@code rate-limited}) is sent
 * again after a backoff of its own, so that publishes pending through an outage do not pile up past
 * the connection's rate limit.
 */
@DisplayName("PageClient: publish retries back off per publish")
class PageClientRetryTest {

  @Test
  @DisplayName("250 ms doubling to a 4 s cap, jittered U(0.8, 1.2)")
  void backoff() {
    assertThat(PageClient.publishRetryDelayMillis(1, 0, 0.5)).isEqualTo(250);
    assertThat(PageClient.publishRetryDelayMillis(2, 0, 0.5)).isEqualTo(500);
    assertThat(PageClient.publishRetryDelayMillis(3, 0, 0.5)).isEqualTo(1_000);
    assertThat(PageClient.publishRetryDelayMillis(5, 0, 0.5)).isEqualTo(4_000);
    assertThat(PageClient.publishRetryDelayMillis(50, 0, 0.5)).isEqualTo(4_000);
    assertThat(PageClient.publishRetryDelayMillis(1, 0, 0)).isEqualTo(200);
    assertThat(PageClient.publishRetryDelayMillis(1, 0, 0.999_999)).isEqualTo(300);
    assertThat(PageClient.publishRetryDelayMillis(50, 0, 0)).isEqualTo(3_200);
  }

  @Test
  @DisplayName("the server's retryAfterMs when it is longer; the backoff when it is shorter")
  void hint() {
    assertThat(PageClient.publishRetryDelayMillis(1, 7_000, 0.5)).isEqualTo(7_000);
    assertThat(PageClient.publishRetryDelayMillis(1, 20, 0.5)).isEqualTo(250);
    assertThat(PageClient.publishRetryDelayMillis(3, 900, 0.5)).isEqualTo(1_000);
  }
}
