/**
 * This edge node's standing in the cluster: it serves only while quorate, and moves its clients
 * away (1001 with a retry hint) when it loses quorum or finds it was paused past failure detection.
 */
package dev.mesh.connection.membership;
