/**
 * Baselines the load generator drives side by side with Mesh: a raw Vert.x WebSocket server, and a
 * Socket.IO 4 server with connection-state recovery ({@code mesh-bench/socketio/server.mjs},
 * started by {@link dev.mesh.bench.baseline.SocketIoServer}).
 */
package dev.mesh.bench.baseline;
