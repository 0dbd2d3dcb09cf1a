/** connection-service's own operational checks. */
package dev.mesh.connection.ops;
