/**
 * One client connection on this node: its state, its transport (WebSocket or SSE) with a bounded
 * outbound queue, the frames it exchanges and the per-connection limits. Everything here runs on
 * the edge verticle's event loop.
 */
package dev.mesh.connection.session;
