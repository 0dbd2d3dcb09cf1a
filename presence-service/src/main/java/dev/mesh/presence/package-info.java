/** presence-service: its options, service definition and entry point. */
package dev.mesh.presence;
