package dev.mesh.common.replay.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.map.ExtendedMapEntry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A user's ack cursors per epoch: within an epoch a cursor only grows, and an ack of one epoch
 * never touches the cursor of another (a stale ack, checked while its epoch was current and stored
 * after the history's reset, must not clobber the new epoch's cursor).
 */
class AdvanceAckTest {

  private static final long TTL = 60_000;

  /** One acks-map entry (an AckMark or AckCursors), recording the time-to-live of each write. */
  private static final class Slot implements ExtendedMapEntry<String, Object> {
    Object value;
    Long ttlMillis;
    int writes;

    Slot(Object value) {
      this.value = value;
    }

    @Override
    public String getKey() {
      return "alice/room:1";
    }

    @Override
    public Object getValue() {
      return value;
    }

    @Override
    public Object setValue(Object value) {
      throw new AssertionError("every write sets the time-to-live");
    }

    @Override
    public Object setValue(Object value, long ttl, TimeUnit unit) {
      Object old = this.value;
      this.value = value;
      this.ttlMillis = unit.toMillis(ttl);
      writes++;
      return old;
    }

    @Override
    public Object setValueWithoutChangingExpiryTime(Object value) {
      throw new AssertionError("every write sets the time-to-live");
    }

    AckCursors cursors() {
      return AckCursors.from(value);
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
    assertThat(slot.cursors().in("new")).isEqualTo(new AckMark("new", 2));
    assertThat(slot.cursors().in("old")).isEqualTo(new AckMark("old", 7));
    assertThat(slot.cursors().latest()).isEqualTo(new AckMark("old", 7));
    assertThat(slot.cursors().in("other")).as("no cursor in an epoch never acked").isNull();
  }

  @Test
  void aStaleInitialAckIntoAnEntryWithoutItsEpochStoresItApart() {
    Slot slot = new Slot(new AckMark("new", 4));
    assertThat(advance(slot, "old", 1, true)).isEqualTo(new AckMark("old", 1));
    assertThat(slot.cursors().in("new")).isEqualTo(new AckMark("new", 4));
    assertThat(slot.cursors().in("old")).isEqualTo(new AckMark("old", 1));
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
    assertThat(slot.cursors().marks()).containsExactly(new AckMark("e1", 8));
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
    assertThat(slot.cursors().marks())
        .containsExactly(
            new AckMark("e9", 1),
            new AckMark("e1", 10),
            new AckMark("e4", 4),
            new AckMark("e3", 3));
    assertThat(slot.cursors().in("e2")).isNull();
    assertThat(advance(slot, "e2", 0, true))
        .as("a dropped epoch counts as no cursor")
        .isEqualTo(new AckMark("e2", 0));
  }

  @Test
  void oneEpochsCursorIsStoredAsAPlainAckMarkSeveralAsAckCursors() {
    Slot slot = new Slot(null);
    advance(slot, "e1", 3, true);
    assertThat(slot.value).as("the old format while one epoch").isEqualTo(new AckMark("e1", 3));
    advance(slot, "e1", 5, false);
    assertThat(slot.value).isEqualTo(new AckMark("e1", 5));
    advance(slot, "e2", 1, false);
    assertThat(slot.value)
        .as("two epochs")
        .isEqualTo(new AckCursors(List.of(new AckMark("e2", 1), new AckMark("e1", 5))));
    advance(slot, "e2", 4, false);
    assertThat(slot.value)
        .isEqualTo(new AckCursors(List.of(new AckMark("e2", 4), new AckMark("e1", 5))));
  }

  @Test
  void anOldAckMarkValueIsReadAndAdvanced() {
    // The value as a member from before cursors per epoch stored it.
    Slot slot = new Slot(new AckMark("e1", 4));
    assertThat(advance(slot, "e1", 2, false)).as("never back").isEqualTo(new AckMark("e1", 4));
    assertThat(advance(slot, "e1", 9, true)).as("initial: kept").isEqualTo(new AckMark("e1", 4));
    assertThat(slot.writes).isZero();
    assertThat(advance(slot, "e1", 6, false)).isEqualTo(new AckMark("e1", 6));
    assertThat(slot.value).isEqualTo(new AckMark("e1", 6));
    assertThat(advance(slot, "e2", 1, false)).isEqualTo(new AckMark("e2", 1));
    assertThat(slot.value)
        .isEqualTo(new AckCursors(List.of(new AckMark("e2", 1), new AckMark("e1", 6))));
  }

  @Test
  void fromReadsBothFormatsAndRefusesAnythingElse() {
    assertThat(AckCursors.from(null)).isNull();
    assertThat(AckCursors.from(new AckMark("e1", 2)))
        .isEqualTo(AckCursors.of(new AckMark("e1", 2)));
    AckCursors two = AckCursors.of(new AckMark("e1", 2)).with(new AckMark("e2", 0));
    assertThat(AckCursors.from(two)).isSameAs(two);
    assertThatThrownBy(() -> AckCursors.from("e1:2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(ReplayMaps.ACKS);
  }

  @Test
  void cursorsAreBounded() {
    assertThatThrownBy(() -> new AckCursors(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    List<AckMark> tooMany =
        IntStream.rangeClosed(0, AckCursors.MAX_EPOCHS)
            .mapToObj(i -> new AckMark("e" + i, i))
            .toList();
    assertThatThrownBy(() -> new AckCursors(tooMany)).isInstanceOf(IllegalArgumentException.class);
  }
}
