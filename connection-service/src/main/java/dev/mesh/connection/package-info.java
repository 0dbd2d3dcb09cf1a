/**
 * connection-service: the edge. Options, service definition and entry point; features live in
 * sub-packages.
 */
package dev.mesh.connection;
