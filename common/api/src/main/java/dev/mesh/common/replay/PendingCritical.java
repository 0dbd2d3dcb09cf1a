package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Envelope;
import java.util.List;

/**
 * Reply to {@code mesh.replay.pending}: the user's unacknowledged critical events of the channel
 * that are still in its history (an event that aged out of the history has expired and is no longer
 * pending), oldest first.
 *
 * @param channel the channel
 * @param epoch the channel's current epoch, null when the channel has no history
 * @param acked the user's ack in that epoch (0: nothing acknowledged)
 * @param events the pending critical events, ascending by seq
 * @param more true when more pending events exist after the last one returned
 */
public record PendingCritical(
    String channel, String epoch, long acked, List<Envelope> events, boolean more)
    implements MeshMessage {

  public PendingCritical {
    events = events == null ? List.of() : List.copyOf(events);
  }
}
