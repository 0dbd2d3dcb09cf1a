/**
 * Messages to connection nodes: the node inbox ({@code mesh.node.<nodeId>.deliver}) carries
 * deliveries to a user's local connections and commands to close a connection; {@code
 * mesh.send.user} is the integration entry point.
 */
package dev.mesh.common.routing;
