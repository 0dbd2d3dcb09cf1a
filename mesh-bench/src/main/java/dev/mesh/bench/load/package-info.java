/**
 * The load generator: N authenticated pages spread over source addresses 127.0.0.2-9, a live
 * progress line, the scenarios of issue 7 (idle, connect, broadcast, direct, publish, storm,
 * resume) against Mesh and, side by side in the same run, against a raw Vert.x server; a JSON
 * result per run and PNG plots under docs/bench.
 */
package dev.mesh.bench.load;
