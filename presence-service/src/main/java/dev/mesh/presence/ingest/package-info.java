/**
 * Where presence learns of connections: connection-service's open/close events and cluster
 * membership.
 */
package dev.mesh.presence.ingest;
