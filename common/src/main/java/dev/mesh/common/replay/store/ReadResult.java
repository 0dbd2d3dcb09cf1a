package dev.mesh.common.replay.store;

import dev.mesh.common.replay.ResetCause;

import java.io.Serializable;
import java.util.List;

/**
 * What a read of a {@link ChannelLog} found: the epoch and head, the events (empty on reset), whether more follow,
 * the reset cause if any, and the seq to continue from.
 */
public record ReadResult(String epoch, long head, List<StoredEvent> events, boolean more, ResetCause reset,
    long nextSeq) implements Serializable {

  static ReadResult reset(String epoch, long head, ResetCause cause) {
    return new ReadResult(epoch, head, List.of(), false, cause, head);
  }
}
