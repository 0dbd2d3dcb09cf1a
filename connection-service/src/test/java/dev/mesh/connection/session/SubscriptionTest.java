package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.protocol.Envelope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A subscription's merge of history and live events")
class SubscriptionTest {

  private static Envelope event(long seq) {
    return new Envelope(
        "room",
        "E",
        seq,
        "m" + seq,
        Instant.EPOCH,
        JsonNodeFactory.instance.numberNode(seq),
        false);
  }

  private static Envelope event(String epoch, long seq) {
    return new Envelope(
        "room",
        epoch,
        seq,
        epoch + "-m" + seq,
        Instant.EPOCH,
        JsonNodeFactory.instance.numberNode(seq),
        false);
  }

  private final List<Long> delivered = new ArrayList<>();

  @Test
  @DisplayName(
      "after a reset to a new epoch, late events of the old one (live or read before the reset) are dropped")
  void oldEpochAfterResetIsDropped() {
    Subscription subscription = new Subscription(null, "room", false);
    subscription.position("E1", 968);
    // A diverged merge gave the channel a new epoch; the page was reset to it.
    subscription.position("E2", 0);
    assertThat(subscription.hasLeft("E1")).isTrue();
    assertThat(subscription.offerLive(event("E1", 900), e -> delivered.add(e.seq()))).isFalse();
    subscription.deliverHistory(
        List.of(event("E1", 901), event("E1", 902)), e -> delivered.add(e.seq()));
    assertThat(delivered).as("nothing of the left epoch goes out again").isEmpty();
    assertThat(subscription.epoch()).isEqualTo("E2");
    subscription.offerLive(event("E2", 1), e -> delivered.add(e.seq()));
    assertThat(delivered).containsExactly(1L);
    assertThat(subscription.lastSeq()).isEqualTo(1);
  }

  @Test
  @DisplayName("a buffer holding both epochs delivers the new one only once the stream moved to it")
  void bufferedOldEpochAfterSwitchIsDropped() {
    Subscription subscription = new Subscription(null, "room", false);
    subscription.position("E1", 10);
    subscription.startBuffering();
    subscription.offerLive(event("E2", 1), e -> delivered.add(e.seq()));
    subscription.offerLive(event("E1", 11), e -> delivered.add(e.seq()));
    subscription.offerLive(event("E2", 2), e -> delivered.add(e.seq()));
    subscription.drainBuffer(e -> delivered.add(e.seq()));
    assertThat(delivered).containsExactly(1L, 2L);
    assertThat(subscription.hasLeft("E1")).isTrue();
  }

  @Test
  @DisplayName("a reset to the unborn position leaves no epoch: the history may come back under it")
  void unbornResetKeepsTheOldEpoch() {
    Subscription subscription = new Subscription(null, "room", false);
    subscription.position("E1", 5);
    subscription.position(dev.mesh.common.protocol.Position.UNBORN_EPOCH, 0);
    assertThat(subscription.hasLeft("E1")).isFalse();
    subscription.offerLive(event("E1", 1), e -> delivered.add(e.seq()));
    assertThat(delivered).containsExactly(1L);
  }

  @Test
  @DisplayName(
      "a jump on the live path is held back until the missing range arrives, then all go out in order")
  void liveGapIsHeldBack() {
    Subscription subscription = new Subscription(null, "room", false);
    subscription.position("E", 0);
    assertThat(subscription.offerLive(event(1), e -> delivered.add(e.seq()))).isFalse();
    assertThat(subscription.offerLive(event(3), e -> delivered.add(e.seq())))
        .as("gap seen")
        .isTrue();
    assertThat(subscription.offerLive(event(4), e -> delivered.add(e.seq()))).isFalse();
    assertThat(delivered).containsExactly(1L);
    subscription.deliverHistory(List.of(event(2), event(3)), e -> delivered.add(e.seq()));
    assertThat(subscription.drainContiguous(e -> delivered.add(e.seq()))).isTrue();
    assertThat(delivered).containsExactly(1L, 2L, 3L, 4L);
    assertThat(subscription.isBuffering()).isFalse();
  }

  @Test
  @DisplayName(
      "a hole inside the buffer stops the drain there; what follows waits for the hole to be filled")
  void holeInsideTheBuffer() {
    Subscription subscription = new Subscription(null, "room", false);
    subscription.startBuffering();
    subscription.offerLive(event(20), e -> delivered.add(e.seq()));
    subscription.offerLive(event(23), e -> delivered.add(e.seq()));
    subscription.offerLive(event(21), e -> delivered.add(e.seq()));
    subscription.position("E", 19);
    assertThat(subscription.drainContiguous(e -> delivered.add(e.seq())))
        .as("hole at 22")
        .isFalse();
    assertThat(delivered).containsExactly(20L, 21L);
    subscription.deliverHistory(List.of(event(22), event(23)), e -> delivered.add(e.seq()));
    assertThat(subscription.drainContiguous(e -> delivered.add(e.seq()))).isTrue();
    assertThat(delivered).containsExactly(20L, 21L, 22L, 23L);
  }

  @Test
  @DisplayName("duplicates from history, live and catch-up are delivered once")
  void duplicatesOnce() {
    Subscription subscription = new Subscription(null, "room", false);
    subscription.position("E", 5);
    subscription.offerLive(event(5), e -> delivered.add(e.seq()));
    subscription.offerLive(event(6), e -> delivered.add(e.seq()));
    subscription.offerLive(event(6), e -> delivered.add(e.seq()));
    subscription.deliverHistory(
        List.of(event(4), event(5), event(6), event(7)), e -> delivered.add(e.seq()));
    assertThat(delivered).containsExactly(6L, 7L);
  }
}
