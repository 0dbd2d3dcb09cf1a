/**
 * The presence contract on the event bus: queries of user status and channel members, channel
 * membership requests from connection-service, and the {@link
 * dev.mesh.common.presence.PresenceChanged} events presence-service publishes. docs/PROTOCOL.md
 * sections 9 and 10 give the semantics; {@code state} holds the Hazelcast side.
 */
package dev.mesh.common.presence;
