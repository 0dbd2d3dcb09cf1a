/**
 * Admission control of new connections (docs/PROTOCOL.md 1.2 step 3b): how many WebSocket upgrades
 * and SSE streams this node takes on at once and per second, and the retry-after hints, spread over
 * the queue of clients told to come back later, that the rest get. A surviving node shapes a
 * reconnect storm instead of being buried by it.
 */
package dev.mesh.connection.admission;
