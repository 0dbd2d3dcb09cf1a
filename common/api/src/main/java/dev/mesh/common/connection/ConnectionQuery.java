package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;

/** Request on {@code mesh.connection.list}: the live connections of a user, across the cluster. */
public record ConnectionQuery(String userId) implements MeshMessage {}
