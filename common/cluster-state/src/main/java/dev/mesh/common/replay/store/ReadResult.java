package dev.mesh.common.replay.store;

import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.ResetCause;
import java.util.List;

/**
 * What a read of a {@link ChannelLog} found: the epoch and head, the events (empty on reset),
 * whether more follow, the reset cause if any, and the seq to continue from.
 */
public record ReadResult(
    String epoch,
    long head,
    List<StoredEvent> events,
    boolean more,
    ResetCause reset,
    long nextSeq) {

  static ReadResult reset(String epoch, long head, ResetCause cause) {
    return new ReadResult(epoch, head, List.of(), false, cause, head);
  }

  /**
   * A read of a channel that has no log, which creates nothing: epoch {@link
   * Position#UNBORN_EPOCH}, head 0, no event. Reading after {@code (afterEpoch, afterSeq)} of a
   * history that no longer exists is an {@code epoch-changed} reset to that position; after
   * nothing, or after the unborn position itself, a plain empty page.
   */
  public static ReadResult noHistory(String afterEpoch, long afterSeq) {
    boolean fromStart =
        afterEpoch == null || (Position.UNBORN_EPOCH.equals(afterEpoch) && afterSeq == 0);
    return new ReadResult(
        Position.UNBORN_EPOCH, 0, List.of(), false, fromStart ? null : ResetCause.EPOCH_CHANGED, 0);
  }
}
