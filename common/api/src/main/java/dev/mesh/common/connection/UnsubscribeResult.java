package dev.mesh.common.connection;

import dev.mesh.common.bus.MeshMessage;

/**
 * Reply to {@link UnsubscribeRequest}: {@code unsubscribed} is the number of connections whose
 * subscription was ended (0 when none of the user's live connections was subscribed; a node that
 * does not answer counts 0).
 */
public record UnsubscribeResult(String userId, String channel, int unsubscribed)
    implements MeshMessage {}
