/**
 * The event-bus contract: address constants, failure codes for {@code ReplyException}, the one
 * codec that carries every Mesh message record, and small helpers to make typed requests.
 */
package dev.mesh.common.bus;
