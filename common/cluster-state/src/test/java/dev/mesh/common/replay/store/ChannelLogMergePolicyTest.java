package dev.mesh.common.replay.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.spi.merge.MergingEntry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Merging a channel's history after a split")
class ChannelLogMergePolicyTest {

  private static final long T0 = 1_000_000L;
  private static final ChannelPolicy POLICY = new ChannelPolicy(10, 60_000, 30_000, 100, 3_600_000);
  private final ChannelLogMergePolicy policy = new ChannelLogMergePolicy();

  private static ChannelLog log(String epoch, String... ids) {
    ChannelLog log = new ChannelLog(epoch);
    long t = T0;
    for (String id : ids) {
      log.append(id, "p " + id, "{}", false, ++t, POLICY);
    }
    return log;
  }

  private static MergingEntry<Object, ChannelLog> entry(ChannelLog log) {
    return new MergingEntry<>() {
      @Override
      public Object getKey() {
        return "room:1";
      }

      @Override
      public Object getRawKey() {
        return "room:1";
      }

      @Override
      public ChannelLog getValue() {
        return log;
      }

      @Override
      public Object getRawValue() {
        return log;
      }
    };
  }

  private Object merge(ChannelLog merging, ChannelLog existing) {
    return policy.merge(entry(merging), existing == null ? null : entry(existing));
  }

  @Test
  @DisplayName(
      "a stale copy of the same history (a prefix) gives way to the existing log: no reset")
  void prefixKeepsExisting() {
    ChannelLog existing = log("e1", "a", "b", "c", "d");
    assertThat(merge(log("e1", "a", "b"), existing)).isSameAs(existing);
    assertThat(merge(log("e1"), existing)).as("an empty log of the epoch").isSameAs(existing);
    assertThat(merge(log("e1", "a", "b", "c", "d"), existing))
        .as("the same history")
        .isSameAs(existing);
  }

  @Test
  @DisplayName(
      "a log of another epoch gives way to the existing log (its clients get a reset anyway)")
  void otherEpochKeepsExisting() {
    ChannelLog existing = log("e1", "a", "b");
    assertThat(merge(log("e0", "x", "y", "z"), existing)).isSameAs(existing);
  }

  @Test
  @DisplayName(
      "diverged histories of one epoch (both sides appended, or the merging side is ahead) become a fresh log with a new epoch")
  void divergedGetsNewEpoch() {
    ChannelLog existing = log("e1", "a", "b", "c");
    for (ChannelLog merging :
        new ChannelLog[] {log("e1", "a", "x"), log("e1", "a", "b", "c", "d")}) {
      Object merged = merge(merging, existing);
      assertThat(merged).isInstanceOf(ChannelLog.class).isNotSameAs(existing);
      ChannelLog fresh = (ChannelLog) merged;
      assertThat(fresh.epoch()).isNotEqualTo("e1");
      assertThat(fresh.head()).isZero();
      assertThat(fresh.recentIds()).as("dedupe ids cleared").isEmpty();
    }
  }

  @Test
  @DisplayName(
      "a prefix whose head the existing log no longer retains is checked against the dedupe window")
  void prefixFoundInDedupeWindow() {
    String[] ids = new String[15];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "m" + i;
    }
    ChannelLog existing = log("e1", ids);
    ChannelLog merging = log("e1", "m0", "m1", "m2");
    assertThat(existing.size()).as("capacity 10: m2 is no longer retained").isEqualTo(10);
    assertThat(merge(merging, existing)).isSameAs(existing);
  }

  @Test
  @DisplayName("a channel only the merging side has is kept")
  void onlyMergingSide() {
    ChannelLog merging = log("e1", "a");
    assertThat(merge(merging, null)).isSameAs(merging);
  }
}
