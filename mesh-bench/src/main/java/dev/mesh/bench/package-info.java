/**
 * Tooling that runs Mesh for real: separate service processes, load generation, chaos scenarios.
 */
package dev.mesh.bench;
