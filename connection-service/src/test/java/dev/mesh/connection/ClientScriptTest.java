package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.status.Version;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The browser client served at stable and versioned paths")
class ClientScriptTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  /** Status, headers and body of one request. */
  private record Reply(int status, HttpClientResponse response, String body) {
    String header(String name) {
      return response.getHeader(name);
    }
  }

  private static Future<Reply> get(
      HttpClient http, int port, HttpMethod method, String uri, String ifNoneMatch) {
    RequestOptions options =
        new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    if (ifNoneMatch != null) {
      options.addHeader("If-None-Match", ifNoneMatch);
    }
    return http.request(options)
        .compose(r -> r.send())
        .compose(
            response ->
                response
                    .body()
                    .map(body -> new Reply(response.statusCode(), response, body.toString())));
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = ClientScriptTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  @DisplayName(
      "stable paths revalidate (no-cache + ETag, 304), the versioned path is immutable, other versions 404")
  void servesTheClient(Vertx vertx, VertxTestContext test) throws Exception {
    String script = resource("webroot/mesh-client.js");
    String types = resource("webroot/mesh-client.d.ts");
    String version = Version.current();
    HttpClient http = vertx.createHttpClient();
    nodes
        .start()
        .compose(
            edge -> {
              int port = edge.port();
              Future<Reply> js = get(http, port, HttpMethod.GET, "/mesh-client.js", null);
              Future<Reply> revalidated =
                  js.compose(
                      r -> get(http, port, HttpMethod.GET, "/mesh-client.js", r.header("ETag")));
              Future<Reply> changed =
                  get(http, port, HttpMethod.GET, "/mesh-client.js", "\"something-else\"");
              Future<Reply> head = get(http, port, HttpMethod.HEAD, "/mesh-client.js", null);
              Future<Reply> dts = get(http, port, HttpMethod.GET, "/mesh-client.d.ts", null);
              Future<Reply> pinned =
                  get(http, port, HttpMethod.GET, "/mesh-client-" + version + ".js", null);
              Future<Reply> otherVersion =
                  get(http, port, HttpMethod.GET, "/mesh-client-0.0.0-nope.js", null);
              Future<Reply> page = get(http, port, HttpMethod.GET, "/", null);
              return Future.all(
                      List.of(js, revalidated, changed, head, dts, pinned, otherVersion, page))
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              Reply r = js.result();
                              assertThat(r.status()).isEqualTo(200);
                              assertThat(r.header("Content-Type"))
                                  .isEqualTo("text/javascript; charset=utf-8");
                              assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
                              assertThat(r.header("ETag")).matches("\"[A-Za-z0-9_-]{20,}\"");
                              assertThat(r.header("X-Mesh-Version")).isEqualTo(version);
                              assertThat(r.body()).isEqualTo(script);

                              assertThat(revalidated.result().status())
                                  .as("If-None-Match with the current ETag")
                                  .isEqualTo(304);
                              assertThat(revalidated.result().body()).isEmpty();
                              assertThat(changed.result().status())
                                  .as("If-None-Match with another ETag")
                                  .isEqualTo(200);

                              assertThat(head.result().status()).isEqualTo(200);
                              assertThat(head.result().body()).isEmpty();
                              assertThat(head.result().header("Content-Length"))
                                  .isEqualTo(
                                      Integer.toString(
                                          script.getBytes(StandardCharsets.UTF_8).length));

                              assertThat(dts.result().status()).isEqualTo(200);
                              assertThat(dts.result().header("Content-Type"))
                                  .startsWith("application/typescript");
                              assertThat(dts.result().header("Cache-Control"))
                                  .isEqualTo("no-cache");
                              assertThat(dts.result().body()).isEqualTo(types);

                              assertThat(pinned.result().status()).isEqualTo(200);
                              assertThat(pinned.result().header("Cache-Control"))
                                  .isEqualTo("public, max-age=31536000, immutable");
                              assertThat(pinned.result().header("ETag"))
                                  .isEqualTo(r.header("ETag"));
                              assertThat(pinned.result().body()).isEqualTo(script);

                              assertThat(otherVersion.result().status()).isEqualTo(404);
                              assertThat(otherVersion.result().header("X-Mesh-Version"))
                                  .isEqualTo(version);
                              assertThat(otherVersion.result().body())
                                  .contains("/mesh-client-" + version + ".js");

                              assertThat(page.result().status())
                                  .as("the static demo page is still served")
                                  .isEqualTo(200);
                              assertThat(page.result().body()).contains("<html");
                            });
                        return v;
                      });
            })
        // Also keeps the client reachable until the end: Vert.x closes an unreachable client.
        .eventually(http::close)
        .onComplete(test.succeedingThenComplete());
  }
}
