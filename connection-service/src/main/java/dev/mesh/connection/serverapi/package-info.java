/**
 * The server API over HTTP (docs/PROTOCOL.md §8.5, docs/api/openapi.yaml): publish, broadcast, send
 * to a user, disconnect, unsubscribe, presence, history, channels and node info for backends that
 * are not on the event bus. Each method forwards to an event-bus address with the typed records, so
 * it behaves exactly like the bus API.
 */
package dev.mesh.connection.serverapi;
