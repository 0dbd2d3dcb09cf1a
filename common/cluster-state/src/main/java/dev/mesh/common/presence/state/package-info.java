/**
 * Presence state in Hazelcast: the maps {@value dev.mesh.common.presence.state.PresenceMaps#USERS}
 * and {@value dev.mesh.common.presence.state.PresenceMaps#CHANNELS}, their values (immutable
 * records holding the connections counted, the pending deadline and tombstones of closed
 * connections) and the entry processors that update them atomically on the key's partition owner.
 * They live in common, like the registry's, because that owner may be any member of the cluster: a
 * connection or replay node as much as a presence one. Every transition is a pure function of the
 * value, the caller's clock and the {@link dev.mesh.common.presence.state.Timing}, so the backup
 * replica, which re-runs the processor, reaches the same value.
 */
package dev.mesh.common.presence.state;
