package dev.mesh.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("replay-service's HTTP API")
class ReplayHttpTest {

  private static final String TOKEN = "s3cret-token";
  private static ReplayCluster cluster;

  @BeforeAll
  static void startOneNode() throws Exception {
    cluster = ReplayCluster.start(1, options -> options.withLimits(1024, 50).withHttpToken(TOKEN));
  }

  @AfterAll
  static void stopNode() {
    cluster.close();
  }

  private record Reply(int status, JsonObject json) {}

  private static Future<Reply> call(Vertx vertx, HttpMethod method, String uri, String body) {
    return call(vertx, method, uri, body, Map.of("Authorization", "Bearer " + TOKEN));
  }

  private static Future<Reply> call(
      Vertx vertx, HttpMethod method, String uri, String body, Map<String, String> headers) {
    HttpClient client = vertx.createHttpClient();
    int port = cluster.node(0).service().httpPort();
    return client
        .request(method, port, "127.0.0.1", uri)
        .compose(
            request -> {
              headers.forEach(request::putHeader);
              return body == null ? request.send() : request.send(Buffer.buffer(body));
            })
        .compose(
            response ->
                response.body().map(b -> new Reply(response.statusCode(), new JsonObject(b))))
        .eventually(client::close);
  }

  @Test
  @DisplayName(
      "POST publishes (201 with the position), a retried id answers 200 with the same position, GET reads it back")
  void publishAndRead(Vertx vertx, VertxTestContext test) {
    String body = "{\"id\":\"order-1\",\"data\":{\"total\":42},\"critical\":true}";
    call(vertx, HttpMethod.POST, "/channels/orders:eu/events", body)
        .compose(
            created -> {
              assertThat(created.status()).isEqualTo(201);
              assertThat(created.json().getLong("seq")).isEqualTo(1);
              assertThat(created.json().getBoolean("duplicate")).isFalse();
              assertThat(created.json().getString("position"))
                  .isEqualTo(created.json().getString("epoch") + ":1");
              return call(vertx, HttpMethod.POST, "/channels/orders:eu/events", body)
                  .map(
                      again -> {
                        assertThat(again.status()).isEqualTo(200);
                        assertThat(again.json().getBoolean("duplicate")).isTrue();
                        assertThat(again.json().getString("position"))
                            .isEqualTo(created.json().getString("position"));
                        return created.json().getString("epoch");
                      });
            })
        .compose(
            epoch ->
                call(
                        vertx,
                        HttpMethod.POST,
                        "/channels/orders:eu/events",
                        body,
                        Map.of("Authorization", "Bearer " + TOKEN, "X-Mesh-Publisher", "billing"))
                    .map(
                        other -> {
                          assertThat(other.status())
                              .as("the same id from another publisher is another event")
                              .isEqualTo(201);
                          assertThat(other.json().getLong("seq")).isEqualTo(2);
                          return epoch;
                        }))
        .compose(
            epoch ->
                call(
                    vertx,
                    HttpMethod.GET,
                    "/channels/orders:eu/events?after=" + epoch + ":0&limit=1",
                    null))
        .onComplete(
            test.succeeding(
                read ->
                    test.verify(
                        () -> {
                          assertThat(read.status()).isEqualTo(200);
                          JsonObject event = read.json().getJsonArray("events").getJsonObject(0);
                          assertThat(read.json().getJsonArray("events")).hasSize(1);
                          assertThat(event.getString("id")).isEqualTo("order-1");
                          assertThat(event.getJsonObject("data").getInteger("total")).isEqualTo(42);
                          assertThat(event.getBoolean("critical")).isTrue();
                          assertThat(read.json().getJsonObject("next").getLong("seq")).isEqualTo(1);
                          assertThat(read.json().getBoolean("more")).isTrue();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("GET of an unknown channel is an empty history; a position ahead of it is a reset")
  void readUnknownAndReset(Vertx vertx, VertxTestContext test) {
    call(vertx, HttpMethod.GET, "/channels/nobody:here/events", null)
        .compose(
            empty -> {
              assertThat(empty.status()).isEqualTo(200);
              assertThat(empty.json().getJsonArray("events")).isEmpty();
              assertThat(empty.json().getLong("head")).isZero();
              return call(
                  vertx,
                  HttpMethod.GET,
                  "/channels/nobody:here/events?after="
                      + empty.json().getString("epoch")
                      + ":9&limit=5",
                  null);
            })
        .onComplete(
            test.succeeding(
                reset ->
                    test.verify(
                        () -> {
                          assertThat(reset.status()).isEqualTo(200);
                          // Epoch "0" at seq 9 never existed: a history that is gone (PROTOCOL
                          // 6.1).
                          assertThat(reset.json().getString("reset")).isEqualTo("epoch-changed");
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "bad input gets a clear 4xx with a JSON error, oversized events 413, a missing or wrong token 401, and nothing is stored")
  void badInput(Vertx vertx, VertxTestContext test) {
    String big = "{\"id\":\"big\",\"data\":\"" + "x".repeat(1100) + "\"}";
    String huge = "{\"id\":\"huge\",\"data\":\"" + "x".repeat(5000) + "\"}";
    List<Future<Reply>> calls =
        List.of(
            call(vertx, HttpMethod.POST, "/channels/h:1/events", "not json"),
            call(vertx, HttpMethod.POST, "/channels/h:1/events", "[1,2]"),
            call(vertx, HttpMethod.POST, "/channels/h:1/events", "{\"data\":1}"),
            call(vertx, HttpMethod.POST, "/channels/h:1/events", "{\"id\":\"a/b\",\"data\":1}"),
            call(
                vertx,
                HttpMethod.POST,
                "/channels/h:1/events",
                "{\"id\":\"a\",\"critical\":\"yes\"}"),
            call(vertx, HttpMethod.POST, "/channels/bad%20channel/events", "{\"id\":\"a\"}"),
            call(vertx, HttpMethod.POST, "/channels/h:1/events", big),
            call(vertx, HttpMethod.POST, "/channels/h:1/events", huge),
            call(vertx, HttpMethod.GET, "/channels/h:1/events?after=nocolon", null),
            call(vertx, HttpMethod.GET, "/channels/h:1/events?after=e:-1", null),
            call(vertx, HttpMethod.GET, "/channels/h:1/events?limit=many", null),
            call(vertx, HttpMethod.POST, "/channels/h:1/events", "{\"id\":\"a\"}"),
            call(
                vertx,
                HttpMethod.POST,
                "/channels/h:1/events",
                "{\"id\":\"a\",\"data\":1}",
                Map.of()),
            call(
                vertx,
                HttpMethod.GET,
                "/channels/h:1/events",
                null,
                Map.of("Authorization", "Bearer wrong")));
    List<Integer> expected =
        List.of(400, 400, 400, 400, 400, 400, 413, 413, 400, 400, 400, 400, 401, 401);
    Future.all(calls)
        .compose(
            done -> {
              for (int i = 0; i < calls.size(); i++) {
                Reply reply = calls.get(i).result();
                assertThat(reply.status())
                    .as("call %d: %s", i, reply.json())
                    .isEqualTo(expected.get(i));
                assertThat(reply.json().getInteger("code")).isEqualTo(expected.get(i));
                assertThat(reply.json().getString("message")).isNotBlank();
              }
              return call(vertx, HttpMethod.GET, "/channels/h:1/events", null);
            })
        .onComplete(
            test.succeeding(
                read ->
                    test.verify(
                        () -> {
                          assertThat(read.json().getLong("head")).as("nothing was stored").isZero();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("the ops port's /metrics has the documented replay meters, labelled by reason only")
  void metrics(Vertx vertx, VertxTestContext test) {
    HttpClient client = vertx.createHttpClient();
    call(vertx, HttpMethod.POST, "/channels/metrics:1/events", "{\"id\":\"m\",\"data\":1}")
        .compose(
            published ->
                client.request(
                    HttpMethod.GET, cluster.node(0).running().opsPort(), "127.0.0.1", "/metrics"))
        .compose(request -> request.send().compose(response -> response.body()))
        .eventually(client::close)
        .onComplete(
            test.succeeding(
                body ->
                    test.verify(
                        () -> {
                          String text = body.toString();
                          assertThat(text)
                              .contains(
                                  "mesh_replay_events_appended_total",
                                  "mesh_replay_publish_latency_seconds",
                                  "mesh_replay_publish_rejected_total",
                                  "mesh_replay_dedupe_hits_total",
                                  "mesh_replay_history_size_events",
                                  "mesh_replay_replays_served_total",
                                  "mesh_replay_events_replayed_total",
                                  "mesh_replay_resets_total{reason=\"position-too-old\"",
                                  "mesh_replay_store_reads_total",
                                  "mesh_replay_reads_coalesced_total",
                                  "mesh_replay_history_latency_seconds",
                                  "mesh_replay_acks_total",
                                  "mesh_replay_critical_redelivered_total");
                          assertThat(text).doesNotContain("metrics:1");
                          test.completeNow();
                        })));
  }
}
