package dev.mesh.connection.serverapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.identity.ClientIds;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON object of one server-API request, read field by field: every problem is a 400 naming its
 * field.
 */
final class ApiBody {

  private final ObjectNode json;

  ApiBody(ObjectNode json) {
    this.json = json;
  }

  /** The names of the fields the request has (to name the field of a bus 400). */
  Set<String> fields() {
    Set<String> names = new LinkedHashSet<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private JsonNode get(String field) {
    JsonNode value = json.get(field);
    return value == null || value.isNull() ? null : value;
  }

  String optionalString(String field) {
    JsonNode value = get(field);
    if (value != null && !value.isTextual()) {
      throw ApiError.badField(field, field + " must be a string");
    }
    return value == null ? null : value.asText();
  }

  String requiredString(String field) {
    String value = optionalString(field);
    if (value == null || value.isBlank()) {
      throw ApiError.badField(field, field + " is required");
    }
    return value;
  }

  /** A user, session or connection id: 1-64 characters of {@code A-Z a-z 0-9 _ -}. */
  String id(String field, boolean required) {
    String value = required ? requiredString(field) : optionalString(field);
    if (value != null) {
      ClientIds.checkId(field, value)
          .ifPresent(
              problem -> {
                throw ApiError.badField(field, problem);
              });
    }
    return value;
  }

  String channel(String field) {
    return checkChannel(field, requiredString(field));
  }

  private static String checkChannel(String field, String channel) {
    ClientIds.checkChannel(channel)
        .ifPresent(
            problem -> {
              throw ApiError.badField(field, problem);
            });
    return channel;
  }

  /** 1 to {@code max} distinct channels, in the order given. */
  List<String> channels(String field, int max) {
    JsonNode value = get(field);
    if (value == null || !value.isArray() || value.isEmpty()) {
      throw ApiError.badField(field, field + " is required: an array of 1 to " + max + " channels");
    }
    if (value.size() > max) {
      throw ApiError.badField(
          field, field + " lists " + value.size() + " channels, at most " + max);
    }
    Set<String> channels = new LinkedHashSet<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw ApiError.badField(field, field + " must hold strings");
      }
      channels.add(checkChannel(field, item.asText()));
    }
    return new ArrayList<>(channels);
  }

  /** 1 to {@code max} user ids. */
  List<String> ids(String field, int max) {
    JsonNode value = get(field);
    if (value == null || !value.isArray() || value.isEmpty() || value.size() > max) {
      throw ApiError.badField(field, field + " is required: an array of 1 to " + max + " user ids");
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw ApiError.badField(field, field + " must hold strings");
      }
      ClientIds.checkId(field, item.asText())
          .ifPresent(
              problem -> {
                throw ApiError.badField(field, problem);
              });
      ids.add(item.asText());
    }
    return ids;
  }

  /** Any JSON but null. */
  JsonNode data(String field) {
    JsonNode value = get(field);
    if (value == null) {
      throw ApiError.badField(field, field + " is required (any JSON value but null)");
    }
    return value;
  }

  boolean flag(String field) {
    JsonNode value = get(field);
    if (value != null && !value.isBoolean()) {
      throw ApiError.badField(field, field + " must be true or false");
    }
    return value != null && value.asBoolean();
  }

  Integer optionalCount(String field) {
    JsonNode value = get(field);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 0) {
      throw ApiError.badField(field, field + " must be a whole number >= 0");
    }
    return value.asInt();
  }
}
