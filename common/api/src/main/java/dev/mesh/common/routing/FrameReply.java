package dev.mesh.common.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;

/** Reply to {@link ForwardedFrame}: the HTTP status and the direct reply frame (absent for 204). */
public record FrameReply(int status, JsonNode frame) implements MeshMessage {}
