/** Self-healing: ghosts of connections that no longer exist are sent through the grace path. */
package dev.mesh.presence.reconcile;
