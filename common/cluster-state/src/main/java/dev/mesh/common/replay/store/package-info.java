/**
 * replay-service's storage in Hazelcast: one {@link dev.mesh.common.replay.store.ChannelLog} per
 * channel in the map {@value dev.mesh.common.replay.store.ReplayMaps#CHANNELS}, changed only by the
 * entry processors here, and users' ack positions, one per epoch ({@link
 * dev.mesh.common.replay.store.AckCursors}), in {@value
 * dev.mesh.common.replay.store.ReplayMaps#ACKS}.
 *
 * <p>Why an entry processor over one map entry per channel, not a Ringbuffer plus a dedupe map: the
 * check of the message id, the assignment of the next {@code seq}, the append and the trim happen
 * in one atomic step on the key's partition owner and are copied to its backup in the same step. So
 * concurrent identical publishes make one event, a publish that Hazelcast retries after a member
 * left (its first run may have succeeded) finds its own id and returns the original position, and
 * the epoch is born and lost together with the history it names (a Ringbuffer's epoch would have to
 * live elsewhere and could survive the history, or the reverse). The map is stored in {@code
 * OBJECT} format so an append mutates the log in place instead of deserialising it.
 *
 * <p>These classes live in {@code common}, not in replay-service, because every cluster member
 * (connection and presence nodes too) may own a partition of these maps and must be able to run the
 * processors and hold the values. Every processor is deterministic (times and new epochs come from
 * the caller), because the same processor is run again on the backup replica.
 */
package dev.mesh.common.replay.store;
