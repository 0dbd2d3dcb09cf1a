/**
 * Operations: the Prometheus registry, liveness and readiness checks, and the ops HTTP server that
 * serves them.
 */
package dev.mesh.common.ops;
