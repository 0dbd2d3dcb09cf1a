/**
 * The HTTP facade for services that are not on the event bus: publish and read a channel's events.
 */
package dev.mesh.replay.http;
