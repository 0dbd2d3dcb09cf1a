/**
 * Where messages reach this node's sockets: channel fan-out (one clustered consumer per channel
 * while it has local subscribers), the node inbox (point-to-point deliveries and close commands),
 * and the integration API.
 */
package dev.mesh.connection.routing;
