/**
 * The start and stop sequence shared by every service's {@code Main}: configuration, cluster,
 * codec, verticles in order, ops endpoints, then on SIGTERM the reverse: not ready, undeploy (each
 * verticle finishes its work), leave.
 */
package dev.mesh.common.launch;
