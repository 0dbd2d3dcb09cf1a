package dev.mesh.common.presence;

import dev.mesh.common.bus.MeshMessage;

/**
 * Request on {@link dev.mesh.common.bus.Addresses#PRESENCE_CHANNEL}: the members of a channel.
 * {@code limit} is the most members listed (0 for the count only, at most the service's member
 * limit). Reply {@link ChannelMembers}.
 */
public record ChannelQuery(String channel, int limit) implements MeshMessage {}
