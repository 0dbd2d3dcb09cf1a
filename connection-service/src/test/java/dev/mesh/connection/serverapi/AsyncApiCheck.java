package dev.mesh.connection.serverapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks frames and event-bus bodies against the message payload schemas of docs/api/asyncapi.yaml.
 * A frame is checked against the schema whose {@code type} constant is its type; an unknown type
 * fails the check.
 */
public final class AsyncApiCheck {

  public static final Path SPEC =
      Path.of("..", "docs", "api", "asyncapi.yaml").toAbsolutePath().normalize();

  private final JsonObject components;
  private final Map<String, String> schemaOfType = new HashMap<>();
  private final Map<String, Validator> validators = new HashMap<>();

  private AsyncApiCheck(JsonObject spec) {
    this.components = spec.getJsonObject("components");
    JsonObject schemas = components.getJsonObject("schemas");
    for (String name : schemas.fieldNames()) {
      String type = typeConstant(schemas.getJsonObject(name), schemas);
      if (type != null) {
        schemaOfType.put(type, name);
      }
    }
  }

  public static AsyncApiCheck load() throws Exception {
    Object yaml = new org.yaml.snakeyaml.Yaml().load(Files.readString(SPEC));
    return new AsyncApiCheck(new JsonObject(io.vertx.core.json.Json.encode(yaml)));
  }

  /** The {@code type} constant of a frame schema (through one {@code allOf}), or null. */
  private static String typeConstant(JsonObject schema, JsonObject schemas) {
    JsonObject properties = schema.getJsonObject("properties");
    if (properties != null && properties.getJsonObject("type") != null) {
      return properties.getJsonObject("type").getString("const");
    }
    if (schema.getJsonArray("allOf") != null) {
      for (Object part : schema.getJsonArray("allOf")) {
        String found = typeConstant((JsonObject) part, schemas);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** The schema documented for frames of this type (client and server types are distinct). */
  public String schemaForType(String type) {
    return schemaOfType.get(type);
  }

  /** Fails unless {@code frame} is valid for the schema of its {@code type}. */
  public void frame(JsonObject frame) {
    String schema = schemaOfType.get(frame.getString("type"));
    assertThat(schema)
        .as("frame type " + frame.getString("type") + " is documented in asyncapi.yaml")
        .isNotNull();
    body(schema, frame);
  }

  /** Fails unless {@code json} is valid for {@code components.schemas.<schema>}. */
  public void body(String schema, JsonObject json) {
    assertThat(components.getJsonObject("schemas").containsKey(schema))
        .as(schema + " documented")
        .isTrue();
    Validator validator =
        validators.computeIfAbsent(
            schema,
            name ->
                Validator.create(
                    JsonSchema.of(
                        new JsonObject()
                            .put("$ref", "#/components/schemas/" + name)
                            .put("components", components)),
                    new JsonSchemaOptions()
                        .setDraft(Draft.DRAFT202012)
                        .setBaseUri("app:///asyncapi")));
    OutputUnit result = validator.validate(json);
    assertThat(result.getValid())
        .as(schema + " " + json.encode() + ": " + describe(result))
        .isTrue();
  }

  private static String describe(OutputUnit unit) {
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      return String.valueOf(unit.getError());
    }
    StringBuilder text = new StringBuilder();
    for (OutputUnit error : unit.getErrors()) {
      text.append(error.getInstanceLocation()).append(": ").append(error.getError()).append("; ");
    }
    return text.toString();
  }
}
