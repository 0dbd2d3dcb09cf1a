package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;

/**
 * Request on {@code mesh.connection.unsubscribe} (any connection node; each node also answers its
 * own {@code mesh.connection.unsubscribe.<nodeId>}): ends the subscription of every live connection
 * of {@code userId} to {@code channel}, as if each had sent {@code unsubscribe} (presence
 * membership ends too). Each such connection is told with an {@code unsubscribed} frame without
 * {@code id}. Both fields are required (else 400).
 */
public record UnsubscribeRequest(String userId, String channel) implements MeshMessage {}
