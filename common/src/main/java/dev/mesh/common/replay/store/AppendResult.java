package dev.mesh.common.replay.store;

import java.io.Serializable;

/**
 * What {@link AppendEvent} did: the event's position and time, whether it was a duplicate (then these are the
 * original's), the number of events retained after the append, and the event itself (null for a duplicate whose
 * original has left the history).
 */
public record AppendResult(String epoch, long seq, long tsMillis, boolean duplicate, int retained, StoredEvent event)
    implements Serializable {
}
