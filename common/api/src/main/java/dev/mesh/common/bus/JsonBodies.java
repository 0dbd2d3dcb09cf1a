package dev.mesh.common.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * The JSON alternative to the {@code mesh} codec (docs/PROTOCOL.md 9.1): a request body may be a
 * plain {@link JsonObject} with a record's fields, and its reply is then a {@link JsonObject} too,
 * with the same field names and values as the record's JSON in the codec.
 */
public final class JsonBodies {

  private JsonBodies() {}

  /**
   * Reads {@code json} as a {@code type} record, exactly as the codec reads the record's JSON
   * (unknown fields ignored, a missing number or boolean is 0 or false, a missing object is null).
   *
   * @throws IllegalArgumentException naming the field that has the wrong type or value
   */
  public static <T> T read(JsonObject json, Class<T> type) {
    try {
      return Json.MAPPER.readValue(json.encode(), type);
    } catch (IOException e) {
      throw new IllegalArgumentException(describe(e), e);
    }
  }

  /** {@code message}'s JSON (as the codec writes it) as a {@link JsonObject}. */
  public static JsonObject write(MeshMessage message) {
    MeshMessage body = message instanceof MeshCodec.Shared shared ? shared.message() : message;
    return new JsonObject(Json.encode(body));
  }

  /**
   * A short reason for a Jackson failure that names the field at fault (e.g. {@code field
   * "after.seq": ...}).
   */
  static String describe(IOException e) {
    if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      String path =
          mapping.getPath().stream()
              .map(
                  ref ->
                      ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
              .collect(Collectors.joining("."))
              .replace(".[", "[");
      return "field \""
          + path
          + "\" has the wrong type or value: "
          + firstLine(mapping.getOriginalMessage());
    }
    if (e instanceof JsonProcessingException processing) {
      return "invalid JSON: " + firstLine(processing.getOriginalMessage());
    }
    return firstLine(e.getMessage());
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
