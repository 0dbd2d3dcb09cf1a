package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;

/**
 * Request on {@code mesh.connection.channels} (cluster-wide: any connection node asks every node)
 * or on {@code mesh.connection.channels.<nodeId>} (that node only): the channels that have
 * subscribers now, optionally only those starting with {@code prefix} (null or empty: all). {@code
 * user:} channels are never listed.
 */
public record ChannelsQuery(String prefix) implements MeshMessage {}
