package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;

/** Reply to {@link KickRequest}: how many connections were told to close. */
public record KickResult(int closed) implements MeshMessage {}
