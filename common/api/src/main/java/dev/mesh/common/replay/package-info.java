/**
 * The replay-service contract: the event-bus records of publish, history (resume), critical-event
 * acks and pending critical events, and {@link dev.mesh.common.replay.ReplayClient}, the typed
 * client other services use. docs/PROTOCOL.md ("replay-service") describes each request, reply and
 * failure code. The Hazelcast side (the per-channel log and the entry processors that change it) is
 * in {@code dev.mesh.common.replay.store}.
 */
package dev.mesh.common.replay;
