package dev.mesh.common.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;

/**
 * Request on {@code mesh.send.user}: a message for every live connection of {@code userId}. It is
 * appended to the user's private stream {@code user:<userId>} (so a user in their grace period gets
 * it on resume), then delivered to the nodes holding the user's connections. {@code id} is the
 * sender's message id and, with {@code publisher} (nullable), the dedupe key: a retry within the
 * dedupe window appends nothing.
 */
public record SendToUser(
    String userId, String id, JsonNode data, boolean critical, String publisher)
    implements MeshMessage {}
