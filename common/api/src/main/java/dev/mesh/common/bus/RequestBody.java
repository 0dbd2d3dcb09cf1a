package dev.mesh.common.bus;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The bodies one request address accepts: one or more {@link MeshMessage} record types, each either
 * as the record (the {@code mesh} codec) or as a {@link JsonObject} with the record's fields.
 * {@link #read(Object)} turns any body into the record or into a reason for a 400.
 *
 * @param <T> the type the consumer is given (the record, or a common supertype when an address
 *     takes several)
 */
public final class RequestBody<T extends MeshMessage> {

  private final List<Class<? extends T>> types;
  private final Function<JsonObject, Class<? extends T>> jsonType;

  private RequestBody(
      List<Class<? extends T>> types, Function<JsonObject, Class<? extends T>> jsonType) {
    this.types = List.copyOf(types);
    this.jsonType = jsonType;
  }

  /** An address that takes one record type. */
  public static <T extends MeshMessage> RequestBody<T> of(Class<T> type) {
    return new RequestBody<>(List.of(type), json -> type);
  }

  /**
   * An address that takes several record types; {@code jsonType} tells from a JSON body's fields
   * which one it is (e.g. a {@code userIds} field makes a presence query a {@code PresenceQuery}).
   */
  public static RequestBody<MeshMessage> oneOf(
      List<Class<? extends MeshMessage>> types,
      Function<JsonObject, Class<? extends MeshMessage>> jsonType) {
    return new RequestBody<>(types, jsonType);
  }

  /**
   * The names of the accepted records, for messages: {@code PresenceQuery or PresenceCountsQuery}.
   */
  public String expected() {
    return types.stream().map(Class::getSimpleName).collect(Collectors.joining(" or "));
  }

  /**
   * The request record {@code body} carries.
   *
   * @throws IllegalArgumentException with the reason to answer 400 with: no body, a body the codec
   *     could not decode, a record or object of another type, or a JSON field of the wrong type
   */
  public T read(Object body) {
    if (body == null) {
      throw new IllegalArgumentException(
          "a body is required: " + expected() + ", or a JSON object with its fields");
    }
    if (body instanceof Undecodable undecodable) {
      throw new IllegalArgumentException(undecodable.reason());
    }
    if (body instanceof JsonObject json) {
      return JsonBodies.read(json, jsonType.apply(json));
    }
    for (Class<? extends T> type : types) {
      if (type.isInstance(body)) {
        return type.cast(body);
      }
    }
    throw new IllegalArgumentException(
        "expected "
            + expected()
            + " (mesh codec) or a JSON object with its fields, got "
            + (body instanceof MeshMessage
                ? body.getClass().getSimpleName()
                : body.getClass().getName()));
  }
}
