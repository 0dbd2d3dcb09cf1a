/**
 * The public HTTP server of connection-service: where browsers enter (client, demo page; WebSocket
 * and SSE later).
 */
package dev.mesh.connection.http;
