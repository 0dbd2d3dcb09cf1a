/**
 * Connection lifecycle events published by connection-service, and the reasons a connection closes.
 */
package dev.mesh.common.events;
