/**
 * Carrying out what an atomic update did: publish the change once, count it, arm its timer, leave
 * channels.
 */
package dev.mesh.presence.events;
