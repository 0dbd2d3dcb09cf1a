/**
 * Connection lifecycle events out: published on the event bus for presence, logged one line per
 * transition.
 */
package dev.mesh.connection.lifecycle;
