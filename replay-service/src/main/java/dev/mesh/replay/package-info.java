/**
 * replay-service: per-channel ordered history with {@code (epoch, seq)} positions, publish, resume,
 * critical-event acks. This package holds the options (with the per-channel rules), the meters, the
 * service definition and the entry point; events enter in {@code publish}, leave for resume in
 * {@code history}, acks are in {@code ack}, the HTTP facade in {@code http}, and every call to
 * Hazelcast goes through {@code store}.
 */
package dev.mesh.replay;
