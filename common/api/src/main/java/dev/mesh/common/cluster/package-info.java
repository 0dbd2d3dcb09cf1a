/**
 * Cluster bootstrap: a clustered Vert.x on Hazelcast configured in code for TCP-IP join on loopback
 * (or the hosts given), with the node id and membership changes exposed to services.
 */
package dev.mesh.common.cluster;
