package dev.mesh.connection.serverapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.mesh.connection.support.ApiHttp.Answer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Checks live HTTP answers against docs/api/openapi.yaml with Vert.x's OpenAPI validator: the path
 * and method must be documented, the status listed for that operation, and the body (and declared
 * headers) valid for its schema. An answer to a method or path the API does not have (404, 405)
 * must still be the documented {@code Error} body.
 */
public final class OpenApiCheck {

  /** The spec, from the module directory surefire runs in. */
  public static final Path SPEC =
      Path.of("..", "docs", "api", "openapi.yaml").toAbsolutePath().normalize();

  private final OpenAPIContract contract;
  private final ResponseValidator validator;
  private final Validator errorBody;
  private int checked;

  private OpenApiCheck(Vertx vertx, OpenAPIContract contract) {
    this.contract = contract;
    this.validator = ResponseValidator.create(vertx, contract);
    JsonObject error =
        contract
            .getRawContract()
            .getJsonObject("components")
            .getJsonObject("schemas")
            .getJsonObject("Error");
    this.errorBody =
        Validator.create(
            JsonSchema.of(error),
            new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app:///"));
  }

  public static OpenApiCheck load(Vertx vertx) throws Exception {
    JsonObject raw = rawSpec();
    OpenAPIContract contract =
        OpenAPIContract.from(vertx, validatable(raw.copy()))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    return new OpenApiCheck(vertx, contract);
  }

  /** The spec as JSON. */
  public static JsonObject rawSpec() throws Exception {
    Object yaml = new org.yaml.snakeyaml.Yaml().load(java.nio.file.Files.readString(SPEC));
    return new JsonObject(io.vertx.core.json.Json.encode(yaml));
  }

  /**
   * Vert.x's validator refuses a contract with a media type it cannot parse, and {@code
   * text/event-stream} is one: the SSE stream is declared as text for it (its events are checked
   * against asyncapi.yaml instead).
   */
  private static JsonObject validatable(JsonObject spec) {
    JsonObject content =
        spec.getJsonObject("paths")
            .getJsonObject("/sse")
            .getJsonObject("get")
            .getJsonObject("responses")
            .getJsonObject("200")
            .getJsonObject("content");
    content.put("text/plain", content.remove("text/event-stream"));
    return spec;
  }

  /** The operation documented for this method and path, or null. */
  public Operation operation(String method, String path) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    return contract.findOperation(bare, HttpMethod.valueOf(method));
  }

  /** Fails the test unless the answer conforms to the spec. */
  public void check(Answer answer) throws Exception {
    checked++;
    Operation operation = operation(answer.method(), answer.path());
    if (operation == null) {
      assertThat(answer.status())
          .as("undocumented " + answer.method() + " " + answer.path() + " answered")
          .isIn(404, 405);
      OutputUnit result = errorBody.validate(answer.json());
      assertThat(result.getValid())
          .as("error body " + answer.body() + ": " + result.getErrors())
          .isTrue();
      return;
    }
    if ("text/plain".equals(answer.contentType())) {
      // Vert.x's validator cannot read a text body against a string schema: the status and media
      // type must be the
      // documented ones (the Prometheus text and the SSE stream are checked for what they are
      // elsewhere).
      var documented = operation.getResponse(answer.status());
      assertThat(documented)
          .as(operation.getOperationId() + " documents " + answer.status())
          .isNotNull();
      assertThat(documented.getContent())
          .as(operation.getOperationId() + " " + answer.status() + " media types")
          .containsKey("text/plain");
      return;
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(answer.headers());
    ValidatableResponse response =
        answer.body() == null || answer.body().isEmpty()
            ? ValidatableResponse.create(answer.status(), headers)
            : ValidatableResponse.create(
                answer.status(), headers, Buffer.buffer(answer.body()), answer.contentType());
    try {
      validator
          .validate(response, operation.getOperationId())
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      fail(
          operation.getOperationId()
              + " "
              + answer.status()
              + " does not conform to openapi.yaml: "
              + e.getCause().getMessage()
              + describe(e.getCause())
              + "\nbody: "
              + answer.body());
    }
  }

  private static String describe(Throwable e) {
    if (e instanceof io.vertx.json.schema.JsonSchemaValidationException invalid) {
      return " at " + invalid.location();
    }
    if (e.getCause() != null && e.getCause() != e) {
      return " <- " + e.getCause().getMessage() + describe(e.getCause());
    }
    return "";
  }

  /** How many answers were checked (a test can assert it checked what it meant to). */
  public int checked() {
    return checked;
  }
}
