/** Firing due deadlines (offline, channel leave) exactly once, from any instance. */
package dev.mesh.presence.expiry;
