package dev.mesh.common.routing;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Envelope;
import java.util.List;

/**
 * Node inbox message (send, no reply): write {@code event} to those of {@code connectionIds} that
 * are live on the receiving node and subscribed to {@code event.channel()}, through the same
 * per-subscription merge as live channel events. Unknown ids are ignored. Used for direct messages
 * to a user ({@code user:<userId>} channels).
 */
public record Delivery(Envelope event, List<String> connectionIds) implements MeshMessage {}
