package dev.mesh.connection.frames;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.Json;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.Position;
import java.util.Optional;

/**
 * The one decoder of client frames (docs/protocol/browser.md §3.2): JSON text to a {@link
 * ClientFrame}, or the {@link DecodeError} that answers it (§3.4). Pure: it reads no state and has
 * no effect, so a receiver may take its rate token between {@link #parse} and {@link
 * #decode(JsonNode)}.
 */
public final class FrameDecoder {

  /** Largest presence member info accepted, serialised (docs/PROTOCOL.md §10.3). */
  public static final int MAX_INFO_BYTES = 1024;

  private FrameDecoder() {}

  /** A text frame that is not JSON at all (or nested too deep). */
  public static final class UnreadableFrame extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient DecodeError error;

    UnreadableFrame(DecodeError error) {
      super(error.message());
      this.error = error;
    }

    /** The {@code malformed-json} error that answers it. */
    public DecodeError error() {
      return error;
    }
  }

  /** The JSON of a WebSocket text frame. */
  public static JsonNode parse(String text) throws UnreadableFrame {
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UnreadableFrame(
          new DecodeError(
              ErrorCode.MALFORMED_JSON,
              "not valid JSON (or nested deeper than "
                  + Json.MAX_NESTING_DEPTH
                  + "): "
                  + e.getOriginalMessage(),
              null));
    }
  }

  /** A text frame, parsed and decoded. */
  public static Decoded decode(String text) {
    try {
      return decode(parse(text));
    } catch (UnreadableFrame e) {
      return e.error();
    }
  }

  /** A parsed frame (a WebSocket text frame, or the body of an SSE {@code POST}), decoded. */
  public static Decoded decode(JsonNode frame) {
    if (frame == null || !frame.isObject()) {
      return rejected(ErrorCode.MALFORMED_JSON, "a frame must be a JSON object", null);
    }
    String id = string(frame, "id");
    JsonNode type = frame.get("type");
    if (type == null || type.isNull()) {
      return rejected(ErrorCode.MISSING_FIELD, "type is required", id);
    }
    if (!type.isTextual()) {
      return rejected(ErrorCode.INVALID_FIELD, "type must be a string", id);
    }
    if (frame.has("id") && (id == null || ClientIds.checkId("id", id).isPresent())) {
      return rejected(
          ErrorCode.INVALID_FIELD,
          "id must be 1-" + ClientIds.MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ -",
          null);
    }
    return switch (type.asText()) {
      case "ping" -> new ClientFrame.Ping(id);
      case "subscribe" -> subscribe(id, frame);
      case "unsubscribe" -> unsubscribe(id, frame);
      case "publish" -> publish(id, frame);
      case "ack" -> ack(frame);
      case "refresh" -> refresh(id, frame);
      case "close" -> new ClientFrame.Close();
      default -> rejected(ErrorCode.UNKNOWN_TYPE, "unknown type '" + type.asText() + "'", id);
    };
  }

  /**
   * The {@code id} of a parsed frame as sent, if a string, whether valid or not: echoed by the
   * {@code rate-limited} error, which answers a frame before it is decoded.
   */
  public static String sentId(JsonNode frame) {
    return frame != null && frame.isObject() ? string(frame, "id") : null;
  }

  private static Decoded subscribe(String id, JsonNode frame) {
    Optional<DecodeError> problem = idAndChannelProblem(id, frame);
    if (problem.isPresent()) {
      return problem.get();
    }
    String channel = frame.get("channel").asText();
    Position from;
    try {
      from = position(frame.get("position"));
    } catch (IllegalArgumentException e) {
      return rejected(ErrorCode.INVALID_FIELD, e.getMessage(), id);
    }
    JsonNode presence = frame.get("presence");
    if (presence != null && !presence.isBoolean() && !presence.isNull()) {
      return rejected(ErrorCode.INVALID_FIELD, "presence must be a boolean", id);
    }
    JsonNode info = frame.get("info");
    DecodeError badInfo = null;
    if (info != null
        && !info.isNull()
        && (!info.isObject() || Json.encode(info).length() > MAX_INFO_BYTES)) {
      badInfo =
          new DecodeError(
              info.isObject() ? ErrorCode.TOO_LARGE : ErrorCode.INVALID_FIELD,
              "info must be a JSON object of at most " + MAX_INFO_BYTES + " bytes",
              id);
    }
    return new ClientFrame.Subscribe(
        id,
        channel,
        from,
        presence != null && presence.asBoolean(false),
        info != null && info.isObject() ? info : null,
        badInfo);
  }

  private static Decoded unsubscribe(String id, JsonNode frame) {
    Optional<DecodeError> problem = idAndChannelProblem(id, frame);
    if (problem.isPresent()) {
      return problem.get();
    }
    return new ClientFrame.Unsubscribe(id, frame.get("channel").asText());
  }

  private static Decoded publish(String id, JsonNode frame) {
    Optional<DecodeError> problem = idAndChannelProblem(id, frame);
    if (problem.isPresent()) {
      return problem.get();
    }
    JsonNode data = frame.get("data");
    if (data == null || data.isNull()) {
      return rejected(ErrorCode.MISSING_FIELD, "data is required (any JSON but null)", id);
    }
    JsonNode critical = frame.get("critical");
    if (critical != null && !critical.isBoolean()) {
      return rejected(ErrorCode.INVALID_FIELD, "critical must be a boolean", id);
    }
    return new ClientFrame.Publish(
        id, frame.get("channel").asText(), data, critical != null && critical.asBoolean());
  }

  /** An ack's errors carry no id, even when the frame had one. */
  private static Decoded ack(JsonNode frame) {
    Optional<String> problem = channelProblem(frame);
    if (problem.isPresent()) {
      return rejected(codeOf(problem.get()), problem.get(), null);
    }
    JsonNode seq = frame.get("seq");
    if (seq == null || !seq.canConvertToLong() || !seq.isIntegralNumber() || seq.asLong() < 0) {
      return rejected(
          seq == null ? ErrorCode.MISSING_FIELD : ErrorCode.INVALID_FIELD,
          "seq must be an integer >= 0",
          null);
    }
    return new ClientFrame.Ack(frame.get("channel").asText(), seq.asLong());
  }

  private static Decoded refresh(String id, JsonNode frame) {
    String token = string(frame, "token");
    if (id == null || token == null) {
      return rejected(ErrorCode.MISSING_FIELD, "refresh needs id and token", id);
    }
    return new ClientFrame.Refresh(id, token);
  }

  private static DecodeError rejected(ErrorCode code, String message, String id) {
    return new DecodeError(code, message, id);
  }

  /** The id first, then the channel; the error echoes the id (null when it is the problem). */
  private static Optional<DecodeError> idAndChannelProblem(String id, JsonNode frame) {
    Optional<String> problem =
        (id == null ? Optional.of("id is required") : Optional.<String>empty())
            .or(() -> channelProblem(frame));
    return problem.map(p -> rejected(codeOf(p), p, id));
  }

  private static Optional<String> channelProblem(JsonNode frame) {
    JsonNode channel = frame.get("channel");
    if (channel == null || channel.isNull()) {
      return Optional.of("channel is required");
    }
    if (!channel.isTextual()) {
      return Optional.of("channel must be a string");
    }
    return ClientIds.checkChannel(channel.asText());
  }

  private static ErrorCode codeOf(String problem) {
    return problem.endsWith("is required") ? ErrorCode.MISSING_FIELD : ErrorCode.INVALID_FIELD;
  }

  private static Position position(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonNode epoch = node.get("epoch");
    JsonNode seq = node.get("seq");
    if (!node.isObject()
        || epoch == null
        || !epoch.isTextual()
        || seq == null
        || !seq.isIntegralNumber()) {
      throw new IllegalArgumentException("position must be {epoch: string, seq: integer >= 0}");
    }
    return new Position(epoch.asText(), seq.asLong());
  }

  /** A string field, or null when absent or not a string. */
  private static String string(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }
}
