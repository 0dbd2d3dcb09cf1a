package dev.mesh.connection.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.Json;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.connection.frames.ErrorCode;
import java.time.Instant;

/**
 * Builders of server-to-client frames (docs/PROTOCOL.md §3), serialised once to the JSON text sent.
 */
public final class Frames {

  public static final int PROTOCOL_VERSION = 1;

  /**
   * {@code reason} of an {@code unsubscribed} frame the client did not ask for: the server ended
   * the subscription.
   */
  public static final String UNSUBSCRIBED_BY_SERVER = "server";

  private Frames() {}

  public static ObjectNode frame(String type) {
    return Json.MAPPER.createObjectNode().put("type", type);
  }

  public static String text(ObjectNode frame) {
    return Json.encode(frame);
  }

  public static String event(Envelope e) {
    ObjectNode frame = frame("event").put("channel", e.channel()).put("epoch", e.epoch());
    return text(eventFields(frame, e));
  }

  /**
   * One item of an {@code events} batch (PROTOCOL 3.3): the fields of an {@code event} frame but
   * {@code type}, {@code channel} and {@code epoch}, which the batch carries once.
   */
  public static String eventItem(Envelope e) {
    return text(eventFields(Json.MAPPER.createObjectNode(), e));
  }

  private static ObjectNode eventFields(ObjectNode frame, Envelope e) {
    frame
        .put("seq", e.seq())
        .put("id", e.id())
        .put("ts", e.ts() == null ? null : e.ts().toString());
    frame.set("data", e.data());
    if (e.critical()) {
      frame.put("critical", true);
    }
    // The publisher as the server attests it: absent for a service's publish, never taken from the
    // client.
    if (e.userId() != null) {
      frame.put("userId", e.userId());
    }
    if (e.connectionId() != null) {
      frame.put("connectionId", e.connectionId());
    }
    return frame;
  }

  /**
   * An {@code events} batch of one channel and epoch from items already encoded by {@link
   * #eventItem}, in the order given: assembled as text so that an item encoded once serves every
   * page that replays it.
   */
  public static String events(String channel, String epoch, java.util.List<String> items) {
    int length = 64 + channel.length() + epoch.length();
    for (String item : items) {
      length += item.length() + 1;
    }
    StringBuilder out = new StringBuilder(length);
    out.append("{\"type\":\"events\",\"channel\":")
        .append(Json.encode(Json.MAPPER.getNodeFactory().textNode(channel)))
        .append(",\"epoch\":")
        .append(Json.encode(Json.MAPPER.getNodeFactory().textNode(epoch)))
        .append(",\"events\":[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(items.get(i));
    }
    return out.append("]}").toString();
  }

  public static String error(String id, ErrorCode code, String message) {
    return error(id, code, message, null);
  }

  /** An {@code error} frame; {@code retryAfterMs} (when not null) says when to retry. */
  public static String error(String id, ErrorCode code, String message, Long retryAfterMs) {
    ObjectNode frame = frame("error").put("code", code.wireName()).put("message", message);
    if (id != null) {
      frame.put("id", id);
    }
    if (retryAfterMs != null) {
      frame.put("retryAfterMs", retryAfterMs);
    }
    return text(frame);
  }

  /**
   * Tells a connection that the server ended its subscription to {@code channel} (no {@code id}:
   * not a reply).
   */
  public static String unsubscribedByServer(String channel) {
    return text(
        frame("unsubscribed").put("channel", channel).put("reason", UNSUBSCRIBED_BY_SERVER));
  }

  public static String pong(String id) {
    ObjectNode frame = frame("pong");
    if (id != null) {
      frame.put("id", id);
    }
    return text(frame);
  }

  public static ObjectNode position(Position position) {
    return Json.MAPPER.createObjectNode().put("epoch", position.epoch()).put("seq", position.seq());
  }

  public static String reset(String channel, String reason, Position current) {
    ObjectNode frame = frame("reset").put("channel", channel).put("reason", reason);
    if (current != null) {
      frame.set("position", position(current));
    }
    return text(frame);
  }

  public static String gap(String channel, long dropped) {
    return text(frame("gap").put("channel", channel).put("dropped", dropped));
  }

  /**
   * The frame sent before a server-initiated close: the close code that follows, why, and a retry
   * hint if any.
   */
  public static String goodbye(CloseCode code, String reason, Long retryAfterMs, String message) {
    ObjectNode frame = frame("goodbye").put("code", code.code()).put("reason", reason);
    if (retryAfterMs != null) {
      frame.put("retryAfterMs", retryAfterMs);
    }
    if (message != null) {
      frame.put("message", message);
    }
    return text(frame);
  }

  public static String tokenExpiring(Instant expiresAt, Instant refreshBy) {
    return text(
        frame("token-expiring")
            .put("expiresAt", expiresAt.toString())
            .put("refreshBy", refreshBy.toString()));
  }

  /** Reply to a {@code refresh}: the new token's expiry. */
  public static String refreshed(String id, Instant tokenExpiresAt) {
    return text(frame("refreshed").put("id", id).put("tokenExpiresAt", tokenExpiresAt.toString()));
  }

  /** Reads a string field, or null when absent or not a string. */
  public static String string(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }
}
