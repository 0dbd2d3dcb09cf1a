/**
 * Logs and traces: the log format ({@code MESH_LOG_FORMAT}, text or one JSON object per line with
 * Mesh's context as fields), the logging context of a node and of a connection, and OpenTelemetry
 * tracing ({@code MESH_TRACING}).
 */
package dev.mesh.common.observe;
