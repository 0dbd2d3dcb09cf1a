package dev.mesh.connection.session;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.Json;
import java.time.Duration;
import java.time.Instant;

/**
 * The {@code welcome} frame (docs/PROTOCOL.md §3.1), with everything a node's connections share
 * encoded once: only the identity and the token's expiry differ between two connections, so a
 * connect writes those into the node's prefix and suffix instead of building and serialising a JSON
 * tree (a few percent of a connect's CPU). The fields and their order are those of the tree it
 * replaces.
 */
public final class WelcomeFrame {

  private final String heartbeat;
  private final String limits;

  public WelcomeFrame(Duration heartbeatInterval, Duration heartbeatTimeout, LimitOptions limits) {
    ObjectNode beat =
        Json.MAPPER
            .createObjectNode()
            .put("intervalMs", heartbeatInterval.toMillis())
            .put("timeoutMs", heartbeatTimeout.toMillis());
    ObjectNode bounds =
        Json.MAPPER
            .createObjectNode()
            .put("maxFrameBytes", limits.maxFrameBytes())
            .put("ratePerSecond", limits.ratePerSecond())
            .put("rateBurst", limits.rateBurst())
            .put("maxSubscriptions", limits.maxSubscriptions());
    this.heartbeat = ",\"heartbeat\":" + Json.encode(beat);
    this.limits = ",\"limits\":" + Json.encode(bounds) + "}";
  }

  /** The frame's text for one connection; {@code tokenExpiresAt} is left out when null. */
  public String text(String connectionId, String nodeId, String userId, Instant tokenExpiresAt) {
    // With its ids and token expiry a welcome runs past 320 characters: room enough that the
    // builder never has to grow.
    StringBuilder out = new StringBuilder(512);
    out.append("{\"type\":\"welcome\",\"protocol\":").append(Frames.PROTOCOL_VERSION);
    field(out, "connectionId", connectionId);
    field(out, "nodeId", nodeId);
    field(out, "userId", userId);
    out.append(heartbeat);
    if (tokenExpiresAt != null) {
      field(out, "tokenExpiresAt", tokenExpiresAt.toString());
    }
    return out.append(limits).toString();
  }

  private static void field(StringBuilder out, String name, String value) {
    out.append(",\"").append(name).append("\":\"");
    // Identities are checked to a safe alphabet before a connection is admitted; quoting them
    // anyway keeps the frame valid JSON whatever they hold.
    JsonStringEncoder.getInstance().quoteAsString(value, out);
    out.append('"');
  }
}
