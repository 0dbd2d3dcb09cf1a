/** Baselines the load generator drives side by side with Mesh: a raw Vert.x WebSocket server. */
package dev.mesh.bench.baseline;
