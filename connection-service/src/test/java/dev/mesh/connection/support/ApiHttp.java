package dev.mesh.connection.support;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A blocking HTTP client for the test thread: JSON in, status, headers and body out. */
public final class ApiHttp {

  /** One answer. {@code json} is null when the body is not a JSON object. */
  public record Answer(
      String method, String path, int status, Map<String, String> headers, String body) {
    public JsonObject json() {
      try {
        return new JsonObject(body);
      } catch (RuntimeException e) {
        return null;
      }
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public String contentType() {
      String type = header("content-type");
      return type == null ? null : type.split(";", -1)[0].trim();
    }
  }

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public ApiHttp(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public Answer send(String method, String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    HttpResponse<String> response =
        client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    Map<String, String> flat = new LinkedHashMap<>();
    response
        .headers()
        .map()
        .forEach(
            (name, values) ->
                flat.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
    return new Answer(method, path, response.statusCode(), flat, response.body());
  }

  public Answer get(String path, Map<String, String> headers) throws Exception {
    return send("GET", path, null, headers);
  }

  public Answer post(String path, JsonObject body, Map<String, String> headers) throws Exception {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.putIfAbsent("Content-Type", "application/json");
    return send("POST", path, body == null ? null : body.encode(), all);
  }
}
