/**
 * The event-bus API (user status, counts, channel snapshot and membership) and its read-only HTTP
 * facade.
 */
package dev.mesh.presence.api;
