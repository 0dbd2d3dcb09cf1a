package dev.mesh.common.replay.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.map.ExtendedMapEntry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A user's ack cursors per epoch: within an epoch a cursor only grows, and an ack of one epoch
 * never touches the cursor of another (a stale ack, checked while its epoch was current and stored
 * after the history's reset, must not clobber the new epoch's cursor).
 */
class AdvanceAckTest {

  private static final long TTL = 60_000;

  /** One acks-map entry, recording the time-to-live of each write. */
  private static final class Slot implements ExtendedMapEntry<String, AckCursors> {
    AckCursors value;
    Long ttlMillis;
    int writes;

    Slot(AckCursors value) {
      this.value = value;
    }

    @Override
    public String getKey() {
      return "alice/room:1";
    }

    @Override
    public AckCursors getValue() {
      return value;
    }

    @Override
    public AckCursors setValue(AckCursors value) {
      throw new AssertionError("every write sets the time-to-live");
    }

    @Override
    public AckCursors setValue(AckCursors value, long ttl, TimeUnit unit) {
      AckCursors old = this.value;
      this.value = value;
      this.ttlMillis = unit.toMillis(ttl);
      writes++;
      return old;
    }

    @Override
    public AckCursors setValueWithoutChangingExpiryTime(AckCursors value) {
      throw new AssertionError("every write sets the time-to-live");
    }
  }

  private static AckMark advance(Slot slot, String epoch, long seq, boolean initial) {
    return new AdvanceAck(new AckMark(epoch, seq), TTL, initial).process(slot);
  }

  @Test
  void aStaleAckOfAnEarlierEpochKeepsTheCurrentEpochsCursor() {
    Slot slot = new Slot(null);
    advance(slot, "old", 5, false);
    assertThat(advance(slot, "new", 2, false)).isEqualTo(new AckMark("new", 2));
    // The stale acks of the old epoch arrive after the new epoch's cursor was written.
    assertThat(advance(slot, "old", 7, false)).isEqualTo(new AckMark("old", 7));
    assertThat(advance(slot, "old", 9, true)).isEqualTo(new AckMark("old", 7));
    assertThat(slot.value.in("new")).isEqualTo(new AckMark("new", 2));
    assertThat(slot.value.in("old")).isEqualTo(new AckMark("old", 7));
    assertThat(slot.value.latest()).isEqualTo(new AckMark("old", 7));
    assertThat(slot.value.in("other")).as("no cursor in an epoch never acked").isNull();
  }

  @Test
  void aStaleInitialAckIntoAnEntryWithoutItsEpochStoresItApart() {
    Slot slot = new Slot(AckCursors.of(new AckMark("new", 4)));
    assertThat(advance(slot, "old", 1, true)).isEqualTo(new AckMark("old", 1));
    assertThat(slot.value.in("new")).isEqualTo(new AckMark("new", 4));
    assertThat(slot.value.in("old")).isEqualTo(new AckMark("old", 1));
  }

  @Test
  void withinAnEpochTheCursorOnlyGrowsAndAnInitialAckNeverMovesIt() {
    Slot slot = new Slot(null);
    assertThat(advance(slot, "e1", 3, true)).isEqualTo(new AckMark("e1", 3));
    assertThat(advance(slot, "e1", 5, true)).as("initial: kept").isEqualTo(new AckMark("e1", 3));
    assertThat(advance(slot, "e1", 1, true)).as("initial: kept").isEqualTo(new AckMark("e1", 3));
    assertThat(advance(slot, "e1", 2, false)).as("never back").isEqualTo(new AckMark("e1", 3));
    assertThat(advance(slot, "e1", 3, false)).isEqualTo(new AckMark("e1", 3));
    assertThat(slot.writes).as("refused acks write nothing").isEqualTo(1);
    assertThat(advance(slot, "e1", 8, false)).isEqualTo(new AckMark("e1", 8));
    assertThat(slot.value.marks()).containsExactly(new AckMark("e1", 8));
    assertThat(slot.writes).isEqualTo(2);
    assertThat(slot.ttlMillis).isEqualTo(TTL);
  }

  @Test
  void atMostAFewEpochsAreKeptTheLeastRecentlyWrittenDroppedFirst() {
    Slot slot = new Slot(null);
    for (int i = 1; i <= AckCursors.MAX_EPOCHS; i++) {
      advance(slot, "e" + i, i, false);
    }
    advance(slot, "e1", 10, false); // e1 written again: e2 is now the least recently written
    advance(slot, "e9", 1, false);
    assertThat(slot.value.marks())
        .containsExactly(
            new AckMark("e9", 1),
            new AckMark("e1", 10),
            new AckMark("e4", 4),
            new AckMark("e3", 3));
    assertThat(slot.value.in("e2")).isNull();
    assertThat(advance(slot, "e2", 0, true))
        .as("a dropped epoch counts as no cursor")
        .isEqualTo(new AckMark("e2", 0));
  }

  @Test
  void cursorsAreBounded() {
    assertThatThrownBy(() -> new AckCursors(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    List<AckMark> tooMany =
        java.util.stream.IntStream.rangeClosed(0, AckCursors.MAX_EPOCHS)
            .mapToObj(i -> new AckMark("e" + i, i))
            .toList();
    assertThatThrownBy(() -> new AckCursors(tooMany)).isInstanceOf(IllegalArgumentException.class);
  }
}
