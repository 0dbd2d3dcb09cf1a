package dev.mesh.common.status;

import dev.mesh.common.bus.MeshMessage;

/** Request body for {@code mesh.<service>.status}; {@code from} names the asking node, for logs. */
public record StatusQuery(String from) implements MeshMessage {}
