package dev.mesh.common.replay.store;

/**
 * A user's cumulative ack for a channel: every critical event up to {@code seq} of {@code epoch} is
 * acknowledged.
 */
public record AckMark(String epoch, long seq) {}
