package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(VertxExtension.class)
@DisplayName("Authentication at the upgrade, Origin, and token expiry on an open connection")
class AuthTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static WebSocketConnectOptions ws(int port, String query) {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI("/ws?session=s1&tab=t1&page=p1" + query);
  }

  /** The HTTP status of a refused upgrade (fails the test if the upgrade was accepted). */
  private static Future<Integer> refusedStatus(Vertx vertx, WebSocketConnectOptions options) {
    return TestClient.connect(vertx, options)
        .transform(
            ar -> {
              if (ar.succeeded()) {
                ar.result().close();
                return Future.failedFuture("upgrade was accepted: " + options.getURI());
              }
              if (ar.cause() instanceof UpgradeRejectedException rejected) {
                return Future.succeededFuture(rejected.getStatus());
              }
              return Future.failedFuture(ar.cause());
            });
  }

  @ParameterizedTest(name = "{0} → HTTP {1}")
  @CsvSource({
    "missing, 401", "bad-signature, 401", "expired, 401", "wrong-algorithm, 401", "alg-none, 401",
    "token-in-url, 401", "no-sub, 401", "no-exp, 401", "garbage, 401", "wrong-origin, 403"
  })
  @DisplayName("a bad credential or origin is refused before the upgrade: no socket")
  void refusedBeforeUpgrade(String kind, int status, Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    // The Vert.x client sends its own Origin; only the origin case restricts the allowed list.
    List<String> origins =
        kind.equals("wrong-origin") ? List.of("https://app.example") : List.of("*");
    nodes
        .start(o -> o.withAuth(o.auth().withOrigins(origins)))
        .compose(
            edge -> {
              WebSocketConnectOptions options = ws(edge.port(), "");
              switch (kind) {
                case "missing" -> {}
                case "bad-signature" ->
                    options.addHeader("Authorization", "Bearer " + tokens.badSignature("eve"));
                case "expired" ->
                    options.addHeader("Authorization", "Bearer " + tokens.expired("eve"));
                case "wrong-algorithm" ->
                    options.addHeader("Authorization", "Bearer " + tokens.wrongAlgorithm("eve"));
                case "alg-none" -> options.addHeader("Authorization", "Bearer " + unsigned("eve"));
                case "token-in-url" -> {
                  options = ws(edge.port(), "&token=" + tokens.valid("eve"));
                  options.addHeader("Authorization", "Bearer " + tokens.valid("eve"));
                }
                case "no-sub" ->
                    options.addHeader(
                        "Authorization",
                        "Bearer "
                            + tokens.withClaims(
                                new JsonObject()
                                    .put("exp", Instant.now().plusSeconds(60).getEpochSecond())));
                case "no-exp" ->
                    options.addHeader(
                        "Authorization",
                        "Bearer " + tokens.withClaims(new JsonObject().put("sub", "eve")));
                case "garbage" -> options.addHeader("Authorization", "Bearer not.a.jwt");
                case "wrong-origin" ->
                    options
                        .addHeader("Authorization", "Bearer " + tokens.valid("eve"))
                        .addHeader("Origin", "https://evil.example");
                default -> throw new IllegalArgumentException(kind);
              }
              return refusedStatus(vertx, options)
                  .map(
                      code -> {
                        test.verify(
                            () -> {
                              assertThat(code).isEqualTo(status);
                              assertThat(edge.service().edge().node().sessionCount()).isZero();
                              String cause = kind.equals("wrong-origin") ? "origin" : null;
                              if (cause != null) {
                                assertThat(
                                        edge.running()
                                            .context()
                                            .registry()
                                            .get("mesh_auth_failures_total")
                                            .tag("cause", cause)
                                            .counter()
                                            .count())
                                    .isEqualTo(1.0);
                              }
                            });
                        return code;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static String unsigned(String user) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(
            new JsonObject()
                .put("sub", user)
                .put("exp", Instant.now().plusSeconds(60).getEpochSecond())
                .encode()
                .getBytes(StandardCharsets.UTF_8))
        + ".";
  }

  @Test
  @DisplayName(
      "an allowed origin, an RS256 and an ES256 token, a cookie and a single-use ticket are all accepted")
  void acceptedCredentials(Vertx vertx, VertxTestContext test) throws Exception {
    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
    ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ec = ecGenerator.generateKeyPair();
    String rsToken = sign(vertx, "RS256", rsa, "rob");
    String esToken = sign(vertx, "ES256", ec, "eli");
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(
            o ->
                o.withAuth(
                    o.auth()
                        .withOrigins(List.of("https://app.example"))
                        .withPublicKeys(List.of(pem(rsa), pem(ec)))))
        .compose(
            edge -> {
              Future<JsonObject> rs =
                  TestClient.connect(
                          vertx,
                          ws(edge.port(), "")
                              .addHeader("Authorization", "Bearer " + rsToken)
                              .addHeader("Origin", "https://app.example"))
                      .compose(TestClient::welcome);
              Future<JsonObject> es =
                  TestClient.connect(
                          vertx,
                          ws(edge.port(), "&page=p2")
                              .addHeader("Authorization", "Bearer " + esToken)
                              .addHeader("Origin", "https://app.example"))
                      .compose(TestClient::welcome);
              Future<JsonObject> cookie =
                  TestClient.connect(
                          vertx,
                          ws(edge.port(), "")
                              .addHeader("Cookie", "other=1; mesh_token=" + tokens.valid("coo"))
                              .addHeader("Origin", "https://app.example"))
                      .compose(TestClient::welcome);
              var http = vertx.createHttpClient();
              Future<String> ticket =
                  http.request(
                          new RequestOptions()
                              .setMethod(HttpMethod.POST)
                              .setHost("127.0.0.1")
                              .setPort(edge.port())
                              .setURI("/auth/ticket")
                              .addHeader("Authorization", "Bearer " + tokens.valid("tia")))
                      .compose(request -> request.send())
                      .compose(
                          response ->
                              response
                                  .body()
                                  .map(
                                      body -> {
                                        assertThat(response.statusCode()).isEqualTo(200);
                                        return new JsonObject(body.toString()).getString("ticket");
                                      }))
                      // Also keeps the client reachable until the answer: Vert.x closes an
                      // unreachable client and its connections.
                      .eventually(http::close);
              Future<JsonObject> byTicket =
                  ticket.compose(
                      t ->
                          TestClient.connect(
                                  vertx,
                                  ws(edge.port(), "&ticket=" + t)
                                      .addHeader("Origin", "https://app.example"))
                              .compose(TestClient::welcome));
              Future<Integer> reused =
                  Future.all(ticket, byTicket)
                      .compose(
                          v ->
                              refusedStatus(
                                  vertx,
                                  ws(edge.port(), "&page=p9&ticket=" + ticket.result())
                                      .addHeader("Origin", "https://app.example")));
              return Future.all(rs, es, cookie, byTicket, reused)
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              assertThat(rs.result().getString("userId")).isEqualTo("rob");
                              assertThat(es.result().getString("userId")).isEqualTo("eli");
                              assertThat(cookie.result().getString("userId")).isEqualTo("coo");
                              assertThat(byTicket.result().getString("userId")).isEqualTo("tia");
                              assertThat(reused.result()).as("a used ticket").isEqualTo(401);
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static String sign(Vertx vertx, String algorithm, KeyPair pair, String user) {
    String privatePem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    JWTAuth signer =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(privatePem)));
    return signer.generateToken(
        new JsonObject().put("sub", user),
        new JWTOptions().setAlgorithm(algorithm).setExpiresInSeconds(600));
  }

  private static String pem(KeyPair pair) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  @Test
  @DisplayName(
      "before exp the client is warned; a refreshed token keeps it open; without one it closes with 4003")
  void tokenExpiryOnOpenConnection(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    Instant exp = Instant.now().plusSeconds(3);
    nodes
        .start(
            o -> o.withAuth(o.auth().withRefresh(Duration.ofMillis(2500), Duration.ofMillis(500))))
        .compose(
            edge -> {
              Future<TestClient> refresher =
                  TestClient.connect(
                      vertx, edge.port(), tokens.expiringAt("ria", exp), "s1", "t1", "p1");
              Future<TestClient> idle =
                  TestClient.connect(
                      vertx, edge.port(), tokens.expiringAt("ida", exp), "s1", "t1", "p1");
              Future<JsonObject> refreshed =
                  refresher
                      .compose(c -> c.awaitType("token-expiring"))
                      .compose(
                          warning ->
                              refresher
                                  .result()
                                  .send(
                                      new JsonObject()
                                          .put("type", "refresh")
                                          .put("id", "r1")
                                          .put("token", tokens.valid("ria"))))
                      .compose(v -> refresher.result().awaitType("refreshed"));
              Future<Integer> idleClosed =
                  idle.compose(c -> c.awaitType("token-expiring"))
                      .compose(w -> idle.result().closed());
              return Future.all(refreshed, idleClosed)
                  .map(
                      v -> {
                        test.verify(
                            () -> {
                              assertThat(idleClosed.result())
                                  .isEqualTo(CloseCode.TOKEN_EXPIRED.code());
                              assertThat(
                                      idle.result()
                                          .awaitType("goodbye")
                                          .result()
                                          .getString("reason"))
                                  .isEqualTo("token-expired");
                              assertThat(
                                      Instant.parse(refreshed.result().getString("tokenExpiresAt")))
                                  .isAfter(exp.plusSeconds(600));
                              assertThat(refresher.result().closed().isComplete())
                                  .as("refreshed connection still open")
                                  .isFalse();
                            });
                        return v;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName("a refresh with another user's token closes the connection with 4500")
  void refreshForAnotherUser(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start()
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("sam"), "s1", "t1", "p1")
                    .compose(
                        client ->
                            client
                                .welcome()
                                .compose(
                                    w ->
                                        client.send(
                                            new JsonObject()
                                                .put("type", "refresh")
                                                .put("id", "r1")
                                                .put("token", tokens.valid("mallory"))))
                                .compose(v -> client.closed())
                                .map(
                                    code -> {
                                      test.verify(
                                          () ->
                                              assertThat(code)
                                                  .isEqualTo(CloseCode.UNAUTHORIZED.code()));
                                      return code;
                                    })))
        .onComplete(test.succeedingThenComplete());
  }
}
