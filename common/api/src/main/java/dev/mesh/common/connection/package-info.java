/** Integration API of connection-service: kick, list a user's connections, node statistics. */
package dev.mesh.common.connection;
