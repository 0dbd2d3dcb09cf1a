/**
 * connection-service's view of replay-service: publish, history pages for the resume merge, acks.
 */
package dev.mesh.connection.history;
