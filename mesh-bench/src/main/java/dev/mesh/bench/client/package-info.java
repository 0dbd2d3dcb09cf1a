/**
 * A scriptable WebSocket client that behaves like a browser page: it authenticates, subscribes,
 * publishes with retries under the same message id, pings, reconnects with jittered backoff to the
 * next node, and resumes every channel from its last {@code (epoch, seq)}. It counts what it
 * received (lost, duplicated, out of order) so that the chaos scenarios and the load generator can
 * judge the server.
 */
package dev.mesh.bench.client;
