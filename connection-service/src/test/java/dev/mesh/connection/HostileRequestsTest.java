package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.RawHttp;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The public port under hostile requests (issue 12, items 1 and 2; PROTOCOL §2.3): a forged token
 * is refused with a 401 on every endpoint, never a hang or a 500, and no request, authenticated or
 * not, leaves an uploaded file behind.
 */
@ExtendWith(VertxExtension.class)
@DisplayName(
    "Hostile requests on the public port: forged tokens answered everywhere, uploads kept nowhere")
class HostileRequestsTest {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  /** The token: {"alg":"HS256"} {"sub":"a","exp":100000000000000000}, any signature. */
  static String forged() {
    return B64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + B64.encodeToString(
            "{\"sub\":\"a\",\"exp\":100000000000000000}".getBytes(StandardCharsets.UTF_8))
        + ".c2lnbmF0dXJl";
  }

  /** The same claims, correctly signed: verification must still end in a 401, not an exception. */
  static String signedOutOfRange() throws Exception {
    String input =
        B64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(
                "{\"sub\":\"a\",\"exp\":100000000000000000}".getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Tokens.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  @DisplayName(
      "the forged token of the issue, and the same claims signed, get 401 on /ws, /sse, /auth/ticket and POST /sse/x")
  void forgedTokenIsAnsweredEverywhere(Vertx vertx, VertxTestContext test) throws Exception {
    RawHttp raw = new RawHttp(vertx);
    String signed = signedOutOfRange();
    nodes
        .start()
        .compose(
            edge -> {
              List<Future<?>> checks = new ArrayList<>();
              for (String token : List.of(forged(), signed)) {
                String cause = token.equals(signed) ? "claims" : "bad-signature";
                Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);
                checks.add(
                    raw.handshake(
                            edge.port(),
                            "/ws?session=s&tab=t&page=p",
                            "Authorization: Bearer " + token + "\r\n")
                        .map(
                            status -> {
                              test.verify(() -> assertThat(status).startsWith("HTTP/1.1 401"));
                              return status;
                            }));
                for (var call :
                    List.of(
                        Map.entry(HttpMethod.GET, "/sse?session=s&tab=t&page=p"),
                        Map.entry(HttpMethod.POST, "/auth/ticket"),
                        Map.entry(HttpMethod.POST, "/sse/x"))) {
                  checks.add(
                      raw.request(
                              call.getKey(),
                              edge.port(),
                              call.getValue(),
                              bearer,
                              call.getKey().equals(HttpMethod.POST)
                                  ? Buffer.buffer("{\"type\":\"ping\"}")
                                  : null)
                          .map(
                              response -> {
                                test.verify(
                                    () -> {
                                      assertThat(response.status())
                                          .as(call.getValue())
                                          .isEqualTo(401);
                                      assertThat(response.headers().get("Content-Type"))
                                          .isEqualTo("application/json");
                                      assertThat(response.json().getString("cause"))
                                          .as(call.getValue())
                                          .isEqualTo(cause);
                                    });
                                return response;
                              }));
                }
              }
              return Future.all(checks)
                  .map(
                      v -> {
                        test.verify(
                            () -> assertThat(edge.service().edge().node().sessionCount()).isZero());
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static Set<String> uploadedFiles() {
    File[] files = new File("file-uploads").listFiles();
    Set<String> names = new TreeSet<>();
    if (files != null) {
      for (File file : files) {
        names.add(file.getName());
      }
    }
    return names;
  }

  @Test
  @DisplayName("a multipart upload to every route, with and without a token, leaves no file behind")
  void uploadsLeaveNothing(Vertx vertx, VertxTestContext test) {
    Set<String> before = uploadedFiles();
    RawHttp raw = new RawHttp(vertx);
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(o -> o.withAuth(o.auth().withDemoTokens(true)))
        .compose(
            edge -> {
              List<Future<RawHttp.Response>> uploads = new ArrayList<>();
              List<String> routes =
                  List.of(
                      "/sse/x",
                      "/sse",
                      "/ws",
                      "/auth/ticket",
                      "/",
                      "/index.html",
                      "/mesh-client.js",
                      "/demo/token",
                      "/no/such/route");
              for (String route : routes) {
                for (String token : java.util.Arrays.asList(null, tokens.valid("upl"))) {
                  for (int size : List.of(2_000, 200_000)) {
                    Map<String, String> headers = new HashMap<>();
                    headers.put(
                        "Content-Type", "multipart/form-data; boundary=" + RawHttp.BOUNDARY);
                    if (token != null) {
                      headers.put("Authorization", "Bearer " + token);
                    }
                    String what =
                        route
                            + (token == null ? " without" : " with")
                            + " a token, "
                            + size
                            + " bytes";
                    uploads.add(
                        raw.request(
                                HttpMethod.POST,
                                edge.port(),
                                route,
                                headers,
                                RawHttp.multipartFile(size))
                            .recover(
                                e ->
                                    Future.succeededFuture(
                                        new RawHttp.Response(-1, null, what + ": " + e))));
                  }
                }
              }
              return Future.all(uploads)
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              for (Future<RawHttp.Response> upload : uploads) {
                                assertThat(upload.result().status())
                                    .as("every upload is answered (%s)", upload.result().body())
                                    .isBetween(200, 499);
                              }
                              assertThat(uploadedFiles())
                                  .as("files in file-uploads/")
                                  .isEqualTo(before);
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "an unlisted origin is refused on every endpoint with the JSON body (bare 403 on /ws), each counted; the node's own origin stays allowed")
  void originRefusals(Vertx vertx, VertxTestContext test) {
    RawHttp raw = new RawHttp(vertx);
    Tokens tokens = new Tokens(vertx);
    String evil = "https://evil.example";
    nodes
        .start(o -> o.withAuth(o.auth().withOrigins(List.of("https://app.example"))))
        .compose(
            edge -> {
              String token = tokens.valid("ori");
              Map<String, String> fromEvil =
                  Map.of("Origin", evil, "Authorization", "Bearer " + token);
              List<Future<RawHttp.Response>> refused =
                  List.of(
                      raw.request(
                          HttpMethod.GET,
                          edge.port(),
                          "/sse?session=s&tab=t&page=p",
                          fromEvil,
                          null),
                      raw.request(HttpMethod.POST, edge.port(), "/auth/ticket", fromEvil, null),
                      raw.request(
                          HttpMethod.POST,
                          edge.port(),
                          "/sse/x",
                          fromEvil,
                          Buffer.buffer("{\"type\":\"ping\"}")),
                      raw.request(
                          HttpMethod.OPTIONS,
                          edge.port(),
                          "/sse/x",
                          Map.of("Origin", evil, "Access-Control-Request-Method", "POST"),
                          null));
              Future<String> ws =
                  raw.handshake(
                      edge.port(),
                      "/ws?session=s&tab=t&page=p",
                      "Origin: " + evil + "\r\nAuthorization: Bearer " + token + "\r\n");
              String own = "http://127.0.0.1:" + edge.port();
              Future<RawHttp.Response> ownTicket =
                  raw.request(
                      HttpMethod.POST,
                      edge.port(),
                      "/auth/ticket",
                      Map.of("Origin", own, "Authorization", "Bearer " + token),
                      null);
              Future<RawHttp.Response> listedPreflight =
                  raw.request(
                      HttpMethod.OPTIONS,
                      edge.port(),
                      "/auth/ticket",
                      Map.of(
                          "Origin",
                          "https://app.example",
                          "Access-Control-Request-Method",
                          "POST",
                          "Access-Control-Request-Headers",
                          "authorization"),
                      null);
              List<Future<?>> all = new ArrayList<>(refused);
              all.add(ws);
              all.add(ownTicket);
              all.add(listedPreflight);
              return Future.all(all)
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              for (Future<RawHttp.Response> response : refused) {
                                RawHttp.Response r = response.result();
                                assertThat(r.status()).isEqualTo(403);
                                assertThat(r.headers().get("Content-Type"))
                                    .isEqualTo("application/json");
                                JsonObject body = r.json();
                                assertThat(body.getString("error")).isEqualTo("forbidden");
                                assertThat(body.getString("cause")).isEqualTo("origin");
                                assertThat(r.headers().get("Access-Control-Allow-Origin")).isNull();
                              }
                              assertThat(ws.result()).startsWith("HTTP/1.1 403");
                              assertThat(
                                      edge.running()
                                          .context()
                                          .registry()
                                          .get("mesh_auth_failures_total")
                                          .tag("cause", "origin")
                                          .counter()
                                          .count())
                                  .as("every refusal counted")
                                  .isEqualTo(5.0);
                              assertThat(ownTicket.result().status())
                                  .as("own origin with a list")
                                  .isEqualTo(200);
                              RawHttp.Response preflight = listedPreflight.result();
                              assertThat(preflight.status()).isEqualTo(204);
                              assertThat(preflight.headers().get("Access-Control-Allow-Origin"))
                                  .isEqualTo("https://app.example");
                              assertThat(
                                      preflight.headers().get("Access-Control-Allow-Credentials"))
                                  .isEqualTo("true");
                              assertThat(preflight.headers().get("Access-Control-Allow-Headers"))
                                  .contains("Authorization");
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "with MESH_ALLOWED_ORIGINS=* and cookies off, CORS names no credentials and a cookie is not a credential")
  void anyOriginWithoutCredentials(Vertx vertx, VertxTestContext test) {
    RawHttp raw = new RawHttp(vertx);
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(o -> o.withAuth(o.auth().withOrigins(List.of("*")).withCookie(null)))
        .compose(
            edge -> {
              Future<RawHttp.Response> preflight =
                  raw.request(
                      HttpMethod.OPTIONS,
                      edge.port(),
                      "/auth/ticket",
                      Map.of(
                          "Origin", "https://any.example", "Access-Control-Request-Method", "POST"),
                      null);
              Future<RawHttp.Response> byCookie =
                  raw.request(
                      HttpMethod.GET,
                      edge.port(),
                      "/sse?session=s&tab=t&page=p",
                      Map.of(
                          "Origin",
                          "https://any.example",
                          "Cookie",
                          "mesh_token=" + tokens.valid("coo")),
                      null);
              return Future.all(preflight, byCookie)
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              assertThat(
                                      preflight
                                          .result()
                                          .headers()
                                          .get("Access-Control-Allow-Origin"))
                                  .isEqualTo("*");
                              assertThat(
                                      preflight
                                          .result()
                                          .headers()
                                          .get("Access-Control-Allow-Credentials"))
                                  .isNull();
                              assertThat(byCookie.result().status()).isEqualTo(401);
                              assertThat(byCookie.result().json().getString("cause"))
                                  .isEqualTo("missing");
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }
}
