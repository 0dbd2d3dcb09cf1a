package dev.mesh.common.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;

/**
 * Node inbox request: a client frame received over SSE ({@code POST /sse/<connectionId>}) by any
 * node, forwarded to the node holding the connection, processed as if it came from that connection.
 * Replies {@link FrameReply}.
 */
public record ForwardedFrame(String connectionId, String userId, JsonNode frame)
    implements MeshMessage {}
