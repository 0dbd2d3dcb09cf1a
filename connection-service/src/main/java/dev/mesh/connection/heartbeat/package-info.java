/** Zombie detection: one sweep per node over its sessions, not one timer per connection. */
package dev.mesh.connection.heartbeat;
