package dev.mesh.common.replay.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.replay.ResetCause;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A channel log (without Hazelcast)")
class ChannelLogTest {

  private static final long T0 = 1_000_000L;
  private static final ChannelPolicy POLICY = new ChannelPolicy(10, 60_000, 30_000, 100, 3_600_000);

  private static List<Long> seqs(ReadResult result) {
    return result.events().stream().map(StoredEvent::seq).toList();
  }

  private static ChannelLog logWith(int events) {
    ChannelLog log = new ChannelLog("e1");
    for (int i = 1; i <= events; i++) {
      log.append("m" + i, "p m" + i, "{}", false, T0 + i, POLICY);
    }
    return log;
  }

  @Test
  @DisplayName("numbers events 1, 2, 3 ... and keeps at most its capacity, oldest dropped first")
  void numbersAndCaps() {
    ChannelLog log = logWith(25);
    assertThat(log.head()).isEqualTo(25);
    assertThat(log.size()).isEqualTo(10);
    assertThat(seqs(log.read(null, 0, 100, T0 + 30, POLICY)))
        .containsExactly(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L);
  }

  @Test
  @DisplayName("a repeated id returns the original position and appends nothing")
  void dedupes() {
    ChannelLog log = logWith(3);
    AppendResult again = log.append("m2", "p m2", "{\"other\":1}", true, T0 + 10, POLICY);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.seq()).isEqualTo(2);
    assertThat(again.event().json()).isEqualTo("{}");
    assertThat(log.head()).isEqualTo(3);
  }

  @Test
  @DisplayName("the same message id from two publishers is two events")
  void dedupeKeyIncludesPublisher() {
    ChannelLog log = logWith(1);
    AppendResult other = log.append("m1", "q m1", "{}", false, T0 + 2, POLICY);
    assertThat(other.duplicate()).isFalse();
    assertThat(other.seq()).isEqualTo(2);
  }

  @Test
  @DisplayName("forgets ids after the dedupe window, and beyond the most ids kept")
  void dedupeWindowAndBound() {
    ChannelLog log = logWith(3);
    assertThat(log.append("m1", "p m1", "{}", false, T0 + 30_000 + 2, POLICY).duplicate())
        .isFalse();
    ChannelPolicy fewIds = new ChannelPolicy(10, 60_000, 30_000, 2, 3_600_000);
    ChannelLog small = new ChannelLog("e2");
    LongStream.rangeClosed(1, 3)
        .forEach(i -> small.append("x" + i, "p x" + i, "{}", false, T0, fewIds));
    assertThat(small.recentIds()).containsOnlyKeys("p x2", "p x3");
  }

  @Test
  @DisplayName("reads exactly the events after a position, in pages, and says where to continue")
  void pages() {
    ChannelLog log = logWith(8);
    ReadResult first = log.read("e1", 2, 4, T0 + 10, POLICY);
    assertThat(seqs(first)).containsExactly(3L, 4L, 5L, 6L);
    assertThat(first.more()).isTrue();
    assertThat(first.nextSeq()).isEqualTo(6);
    ReadResult second = log.read("e1", 6, 4, T0 + 10, POLICY);
    assertThat(seqs(second)).containsExactly(7L, 8L);
    assertThat(second.more()).isFalse();
    ReadResult atHead = log.read("e1", 8, 4, T0 + 10, POLICY);
    assertThat(atHead.events()).isEmpty();
    assertThat(atHead.reset()).isNull();
    assertThat(atHead.nextSeq()).isEqualTo(8);
  }

  @Test
  @DisplayName(
      "resets instead of a partial replay: other epoch, truncated by capacity or age, or ahead of the head")
  void resets() {
    ChannelLog log = logWith(25);
    assertThat(log.read("other", 20, 10, T0 + 30, POLICY).reset())
        .isEqualTo(ResetCause.EPOCH_CHANGED);
    assertThat(log.read("e1", 14, 10, T0 + 30, POLICY).reset())
        .isEqualTo(ResetCause.POSITION_TOO_OLD);
    assertThat(log.read("e1", 15, 10, T0 + 30, POLICY).reset()).isNull();
    assertThat(log.read("e1", 26, 10, T0 + 30, POLICY).reset()).isEqualTo(ResetCause.AHEAD);
    ReadResult reset = log.read("e1", 0, 10, T0 + 30, POLICY);
    assertThat(reset.events()).isEmpty();
    assertThat(reset.nextSeq()).isEqualTo(25);
    long later = T0 + 20 + 60_000;
    // events up to 19 are older than the ttl at "later": 20 is the oldest retained
    assertThat(log.read("e1", 18, 10, later, POLICY).reset())
        .isEqualTo(ResetCause.POSITION_TOO_OLD);
    assertThat(seqs(log.read("e1", 19, 10, later, POLICY)))
        .containsExactly(20L, 21L, 22L, 23L, 24L, 25L);
    assertThat(log.read("e1", 25, 10, T0 + 25 + 60_000 + 1, POLICY).reset()).isNull();
  }

  @Test
  @DisplayName("times never go backwards within a channel, whatever the publishers' clocks")
  void monotonicTime() {
    ChannelLog log = new ChannelLog("e1");
    log.append("a", "p a", "{}", false, T0 + 100, POLICY);
    AppendResult skewed = log.append("b", "p b", "{}", false, T0 + 50, POLICY);
    assertThat(skewed.tsMillis()).isEqualTo(T0 + 100);
  }

  @Test
  @DisplayName("lists retained critical events after a given seq")
  void critical() {
    ChannelLog log = new ChannelLog("e1");
    for (int i = 1; i <= 6; i++) {
      log.append("m" + i, "p m" + i, "{}", i % 2 == 0, T0 + i, POLICY);
    }
    assertThat(seqs(log.criticalAfter(0, 10, T0 + 10, POLICY))).containsExactly(2L, 4L, 6L);
    assertThat(seqs(log.criticalAfter(2, 10, T0 + 10, POLICY))).containsExactly(4L, 6L);
    ReadResult limited = log.criticalAfter(0, 1, T0 + 10, POLICY);
    assertThat(seqs(limited)).containsExactly(2L);
    assertThat(limited.more()).isTrue();
  }

  @Test
  @DisplayName(
      "the unborn position (0, 0) reads the first epoch from seq 1, or resets when seq 1 is gone; a channel without a log answers epoch 0")
  void unbornPosition() {
    ChannelLog young = logWith(4);
    ReadResult fromUnborn = young.read("0", 0, 100, T0 + 5, POLICY);
    assertThat(fromUnborn.reset()).isNull();
    assertThat(fromUnborn.epoch()).isEqualTo("e1");
    assertThat(seqs(fromUnborn)).containsExactly(1L, 2L, 3L, 4L);
    ChannelLog trimmed = logWith(25);
    assertThat(trimmed.read("0", 0, 100, T0 + 30, POLICY).reset())
        .isEqualTo(ResetCause.POSITION_TOO_OLD);
    assertThat(young.read("0", 3, 100, T0 + 5, POLICY).reset())
        .as("seq > 0 in the unborn epoch")
        .isEqualTo(ResetCause.EPOCH_CHANGED);

    ReadResult none = ReadResult.noHistory(null, 0);
    assertThat(List.of(none.epoch(), none.head(), none.events().size()))
        .containsExactly("0", 0L, 0);
    assertThat(none.reset()).isNull();
    assertThat(ReadResult.noHistory("0", 0).reset()).isNull();
    assertThat(ReadResult.noHistory("old-epoch", 12).reset()).isEqualTo(ResetCause.EPOCH_CHANGED);
  }

  @Test
  @DisplayName("an append that may not create a channel leaves a missing log missing")
  void appendWithoutCreation() {
    var slot = new java.util.AbstractMap.SimpleEntry<String, ChannelLog>("c", null);
    AppendEvent refused =
        new AppendEvent("m1", "user:u m1", "{}", false, T0, "e9", POLICY, "u", "c1", false);
    assertThat(refused.process(slot)).isNull();
    assertThat(slot.getValue()).isNull();
  }
}
