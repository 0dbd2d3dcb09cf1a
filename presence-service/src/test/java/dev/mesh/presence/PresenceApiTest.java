package dev.mesh.presence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.status.StatusQuery;
import dev.mesh.presence.support.Eventually;
import dev.mesh.presence.support.SharedMesh;
import dev.mesh.presence.support.SimulatedEdge;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The event-bus API (single and batch status, counts, failures) and its read-only HTTP facade. */
@ExtendWith({VertxExtension.class, SharedMesh.class})
@DisplayName("Presence API over the event bus and HTTP")
class PresenceApiTest {

  static final Duration WAIT = Duration.ofSeconds(20);

  private static SimulatedEdge edge() {
    return SharedMesh.mesh().edge(1);
  }

  private record Http(int status, String body) {}

  private static Future<Http> get(String uri) {
    HttpClient client = edge().node().vertx().createHttpClient();
    int port = SharedMesh.mesh().presence(0).service().httpPort();
    return client
        .request(HttpMethod.GET, port, "127.0.0.1", uri)
        .compose(request -> request.send())
        .compose(
            response ->
                response.body().map(body -> new Http(response.statusCode(), body.toString())))
        .eventually(() -> client.close());
  }

  private static Future<Integer> failureCode(Future<?> request) {
    return request.transform(
        done ->
            done.succeeded()
                ? Future.failedFuture("expected a failure, got " + done.result())
                : Future.succeededFuture(((ReplyException) done.cause()).failureCode()));
  }

  @Test
  @DisplayName("a batch answers in the order asked, an unknown user is offline with no connections")
  void batchStatus(VertxTestContext test) {
    edge()
        .open("api-a")
        .compose(
            v ->
                Eventually.poll(
                    edge().node().vertx(),
                    () -> edge().status("api-a"),
                    s -> s.status() == PresenceStatus.ONLINE,
                    WAIT))
        .compose(
            v ->
                edge()
                    .bus()
                    .request(
                        Addresses.PRESENCE_QUERY,
                        PresenceQuery.of("api-nobody", "api-a"),
                        PresenceStatuses.class))
        .onComplete(
            test.succeeding(
                reply ->
                    test.verify(
                        () -> {
                          assertThat(reply.users())
                              .extracting(UserPresence::userId)
                              .containsExactly("api-nobody", "api-a");
                          assertThat(reply.users().get(0))
                              .isEqualTo(UserPresence.unknown("api-nobody"));
                          assertThat(reply.users().get(1).connections()).isEqualTo(1);
                          assertThat(reply.users().get(1).since()).isNotNull();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("invalid requests fail with 400: no id, too many ids, a malformed id, a wrong body")
  void invalidRequests(VertxTestContext test) {
    List<String> tooMany =
        IntStream.rangeClosed(0, PresenceQuery.MAX_USERS).mapToObj(i -> "u" + i).toList();
    var bus = edge().bus();
    Future.all(
            List.of(
                failureCode(
                    bus.request(
                        Addresses.PRESENCE_QUERY,
                        new PresenceQuery(List.of()),
                        PresenceStatuses.class)),
                failureCode(
                    bus.request(
                        Addresses.PRESENCE_QUERY,
                        new PresenceQuery(tooMany),
                        PresenceStatuses.class)),
                failureCode(
                    bus.request(
                        Addresses.PRESENCE_QUERY,
                        PresenceQuery.of("no spaces"),
                        PresenceStatuses.class)),
                failureCode(
                    bus.request(
                        Addresses.PRESENCE_QUERY, new StatusQuery("x"), PresenceStatuses.class))))
        .onComplete(
            test.succeeding(
                codes ->
                    test.verify(
                        () -> {
                          assertThat(codes.<Integer>list()).containsOnly(ErrorCodes.BAD_REQUEST);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("counts are cluster-wide")
  void counts(VertxTestContext test) {
    edge()
        .open("api-count")
        .compose(
            v ->
                Eventually.poll(
                    edge().node().vertx(),
                    () ->
                        edge()
                            .bus()
                            .request(
                                Addresses.PRESENCE_QUERY,
                                new PresenceCountsQuery("test"),
                                PresenceCounts.class),
                    c -> c.online() >= 1 && c.connections() >= 1,
                    WAIT))
        .onComplete(
            test.succeeding(
                counts ->
                    test.verify(
                        () -> {
                          assertThat(counts.at()).isNotNull();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "HTTP: user, batch, channel, counts as JSON; a bad channel is a 400 with a JSON body")
  void http(VertxTestContext test) {
    edge()
        .open("api-http")
        .compose(id -> edge().join(id, "api-room", null, 0))
        .compose(
            v ->
                Eventually.poll(
                    edge().node().vertx(),
                    () -> get("/presence/users/api-http"),
                    r ->
                        r.status() == 200
                            && new JsonObject(r.body()).getString("status").equals("online"),
                    WAIT))
        .compose(
            user ->
                get("/presence/users?ids=api-http,api-nobody")
                    .compose(
                        batch ->
                            get("/presence/channels/api-room")
                                .compose(
                                    room ->
                                        get("/presence/channels/bad%20room")
                                            .compose(
                                                bad ->
                                                    get("/presence/counts")
                                                        .map(
                                                            counts ->
                                                                List.of(
                                                                    user, batch, room, bad,
                                                                    counts))))))
        .onComplete(
            test.succeeding(
                answers ->
                    test.verify(
                        () -> {
                          assertThat(
                                  new JsonObject(answers.get(0).body()).getInteger("connections"))
                              .isEqualTo(1);
                          JsonArray users =
                              new JsonObject(answers.get(1).body()).getJsonArray("users");
                          assertThat(users.getJsonObject(1).getString("status"))
                              .isEqualTo("offline");
                          JsonObject room = new JsonObject(answers.get(2).body());
                          assertThat(room.getInteger("count")).isEqualTo(1);
                          assertThat(
                                  room.getJsonArray("members").getJsonObject(0).getString("state"))
                              .isEqualTo("present");
                          assertThat(answers.get(3).status()).isEqualTo(400);
                          assertThat(new JsonObject(answers.get(3).body()).getInteger("code"))
                              .isEqualTo(400);
                          assertThat(answers.get(4).status()).isEqualTo(200);
                          assertThat(new JsonObject(answers.get(4).body()).getLong("online"))
                              .isPositive();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("the ops port serves presence's meters")
  void metrics(VertxTestContext test) {
    HttpClient client = edge().node().vertx().createHttpClient();
    int port = SharedMesh.mesh().presence(0).running().opsPort();
    client
        .request(HttpMethod.GET, port, "127.0.0.1", "/metrics")
        .compose(request -> request.send())
        .compose(response -> response.body())
        .eventually(() -> client.close())
        .onComplete(
            test.succeeding(
                body ->
                    test.verify(
                        () -> {
                          assertThat(body.toString())
                              .contains(
                                  "mesh_presence_users_online",
                                  "mesh_presence_connections",
                                  "mesh_presence_events_total");
                          test.completeNow();
                        })));
  }
}
