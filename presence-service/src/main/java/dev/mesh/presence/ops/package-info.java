/** presence-service's meters and the verticle that refreshes its cluster-wide gauges. */
package dev.mesh.presence.ops;
