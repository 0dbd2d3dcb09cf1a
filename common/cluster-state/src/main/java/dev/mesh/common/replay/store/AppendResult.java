package dev.mesh.common.replay.store;

/**
 * What {@link AppendEvent} did: the event's position and time, whether it was a duplicate (then
 * these are the original's), the number of events retained after the append, and for a duplicate
 * the original event (null when it has left the history; always null for a new event, which the
 * caller has).
 */
public record AppendResult(
    String epoch, long seq, long tsMillis, boolean duplicate, int retained, StoredEvent event) {}
