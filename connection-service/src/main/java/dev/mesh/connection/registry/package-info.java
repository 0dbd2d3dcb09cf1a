/**
 * This node's side of the connection registry: asynchronous writes, and the purge of nodes that
 * left the cluster.
 */
package dev.mesh.connection.registry;
