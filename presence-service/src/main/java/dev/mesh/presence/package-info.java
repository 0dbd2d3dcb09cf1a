/**
 * presence-service: who is online, per user and per channel, with a debounce and a grace period so
 * a reconnect never flickers. Its options, service definition (deployment order) and entry point;
 * the state lives in Hazelcast ({@code dev.mesh.common.presence.state}).
 */
package dev.mesh.presence;
