package dev.mesh.connection.serverapi;

import static dev.mesh.connection.support.ApiMesh.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.ApiHttp;
import dev.mesh.connection.support.ApiHttp.Answer;
import dev.mesh.connection.support.ApiMesh;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server API against a real mesh in this JVM: every method's effect is checked where it lands
 * (a WebSocket client, history, presence), and every answer, errors included, against
 * docs/api/openapi.yaml.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Server API over HTTP")
class ServerApiTest {

  private static final Map<String, String> AUTH =
      Map.of("Authorization", "Bearer " + ApiMesh.TOKEN);

  private ApiMesh mesh;
  private Vertx clients;
  private Tokens tokens;
  private ApiHttp http;
  private OpenApiCheck spec;

  @BeforeAll
  void start() throws Exception {
    mesh = ApiMesh.start(TestClusters.fresh());
    clients = Vertx.vertx();
    tokens = new Tokens(clients);
    http = new ApiHttp(mesh.edgeA.serverApiPort());
    spec = OpenApiCheck.load(clients);
  }

  @AfterAll
  void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (clients != null) {
      await(clients.close());
    }
  }

  private Answer call(String method, JsonObject body, Map<String, String> headers)
      throws Exception {
    Answer answer = http.post("/api/" + method, body, headers);
    spec.check(answer);
    return answer;
  }

  private Answer call(String method, JsonObject body) throws Exception {
    return call(method, body, AUTH);
  }

  private JsonObject ok(String method, JsonObject body) throws Exception {
    Answer answer = call(method, body);
    assertThat(answer.status()).as(method + " " + answer.body()).isEqualTo(200);
    return answer.json();
  }

  private TestClient connect(int port, String user, String page) throws Exception {
    TestClient client =
        await(
            TestClient.connect(clients, port, tokens.valid(user), "s-" + page, "t-" + page, page));
    await(client.welcome());
    return client;
  }

  private JsonObject subscribe(TestClient client, String channel, boolean presence)
      throws Exception {
    String id = "sub-" + channel.replace(':', '-');
    await(
        client.send(
            new JsonObject()
                .put("type", "subscribe")
                .put("id", id)
                .put("channel", channel)
                .put("presence", presence)));
    return await(
        client.await(
            f -> "subscribed".equals(f.getString("type")) && id.equals(f.getString("id"))));
  }

  @Test
  @DisplayName(
      "publish: delivered live; the same Idempotency-Key makes no second event; history has one")
  void publishIsIdempotent() throws Exception {
    TestClient listener = connect(mesh.edgeB.httpPort(), "lis", "p-publish");
    subscribe(listener, "news:publish", false);
    JsonObject body =
        new JsonObject().put("channel", "news:publish").put("data", new JsonObject().put("n", 1));
    Map<String, String> keyed =
        Map.of("Authorization", AUTH.get("Authorization"), "Idempotency-Key", "pub-key-1");
    Answer first = call("publish", body, keyed);
    Answer retry = call("publish", body, keyed);
    JsonObject event = await(listener.awaitType("event"));
    JsonObject history = ok("history", new JsonObject().put("channel", "news:publish"));

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json().getBoolean("duplicate")).isFalse();
    assertThat(first.json().getString("id")).isEqualTo("pub-key-1");
    assertThat(first.json().getLong("seq")).isEqualTo(1L);
    assertThat(first.json().getString("position"))
        .isEqualTo(first.json().getString("epoch") + ":1");
    assertThat(retry.json().getBoolean("duplicate")).isTrue();
    assertThat(retry.json().getLong("seq")).isEqualTo(1L);
    assertThat(event.getString("id")).isEqualTo("pub-key-1");
    assertThat(event.getJsonObject("data").getInteger("n")).isEqualTo(1);
    assertThat(history.getJsonArray("events")).hasSize(1);
    assertThat(history.getLong("head")).isEqualTo(1L);
    await(listener.close());
  }

  @Test
  @DisplayName(
      "publish: an id in the body and a different Idempotency-Key is a 400 naming id; no key gets a fresh id")
  void publishIds() throws Exception {
    JsonObject body = new JsonObject().put("channel", "news:ids").put("data", "x").put("id", "one");
    Answer clash =
        call(
            "publish",
            body,
            Map.of("Authorization", AUTH.get("Authorization"), "Idempotency-Key", "two"));
    Answer badKey =
        call(
            "publish",
            body.copy().put("id", null),
            Map.of(
                "Authorization", AUTH.get("Authorization"), "Idempotency-Key", "not a valid key"));
    JsonObject a = ok("publish", new JsonObject().put("channel", "news:ids").put("data", 1));
    JsonObject b = ok("publish", new JsonObject().put("channel", "news:ids").put("data", 1));

    assertThat(clash.status()).isEqualTo(400);
    assertThat(clash.json().getString("field")).isEqualTo("id");
    assertThat(badKey.status()).isEqualTo(400);
    assertThat(badKey.json().getString("field")).isEqualTo("Idempotency-Key");
    assertThat(a.getString("id")).isNotEqualTo(b.getString("id"));
    assertThat(b.getLong("seq")).isEqualTo(a.getLong("seq") + 1);
  }

  @Test
  @DisplayName(
      "broadcast: one event per channel, each with its own position; a retry is a duplicate on each")
  void broadcast() throws Exception {
    JsonObject body =
        new JsonObject()
            .put("channels", new JsonArray().add("room:b1").add("room:b2"))
            .put("data", new JsonObject().put("all", true))
            .put("id", "bc-1");
    JsonObject first = ok("broadcast", body);
    JsonObject retry = ok("broadcast", body);
    Answer badChannel =
        call(
            "broadcast", body.copy().put("channels", new JsonArray().add("ok").add("bad channel")));

    assertThat(first.getJsonArray("responses")).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonObject outcome = first.getJsonArray("responses").getJsonObject(i);
      assertThat(outcome.getString("channel")).isEqualTo("room:b" + (i + 1));
      assertThat(outcome.getJsonObject("result").getLong("seq")).isEqualTo(1L);
      assertThat(
              retry
                  .getJsonArray("responses")
                  .getJsonObject(i)
                  .getJsonObject("result")
                  .getBoolean("duplicate"))
          .isTrue();
    }
    assertThat(badChannel.status()).isEqualTo(400);
    assertThat(badChannel.json().getString("field")).isEqualTo("channels");
  }

  @Test
  @DisplayName(
      "send_user: the user's connection subscribed to user:<id> receives it; connections counts it")
  void sendUser() throws Exception {
    TestClient sue = connect(mesh.edgeB.httpPort(), "sue", "p-sue");
    subscribe(sue, "user:sue", false);
    JsonObject sent =
        ok(
            "send_user",
            new JsonObject().put("userId", "sue").put("data", "hello sue").put("id", "dm-1"));
    JsonObject event = await(sue.awaitType("event"));
    Answer missing = call("send_user", new JsonObject().put("data", 1));

    assertThat(sent.getString("channel")).isEqualTo("user:sue");
    assertThat(sent.getInteger("connections")).isEqualTo(1);
    assertThat(event.getString("channel")).isEqualTo("user:sue");
    assertThat(event.getString("data")).isEqualTo("hello sue");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().getString("field")).isEqualTo("userId");
    await(sue.close());
  }

  @Test
  @DisplayName(
      "connections and disconnect: by user on every node, then by connection id; 4505 with the message")
  void disconnect() throws Exception {
    TestClient onA = connect(mesh.edgeA.httpPort(), "kim", "p-kim-a");
    TestClient onB = connect(mesh.edgeB.httpPort(), "kim", "p-kim-b");
    TestClient lee = connect(mesh.edgeB.httpPort(), "lee", "p-lee");
    JsonObject listed = ok("connections", new JsonObject().put("userId", "kim"));
    JsonObject kicked =
        ok("disconnect", new JsonObject().put("userId", "kim").put("message", "maintenance"));
    int codeA = await(onA.closed());
    int codeB = await(onB.closed());
    JsonObject goodbye = await(onB.awaitType("goodbye"));
    String leeConnection = await(lee.welcome()).getString("connectionId");
    JsonObject one = ok("disconnect", new JsonObject().put("connectionId", leeConnection));
    int codeLee = await(lee.closed());
    Answer neither = call("disconnect", new JsonObject());

    assertThat(listed.getJsonArray("connections")).hasSize(2);
    assertThat(kicked.getInteger("closed")).isEqualTo(2);
    assertThat(codeA).isEqualTo(CloseCode.KICKED.code());
    assertThat(codeB).isEqualTo(CloseCode.KICKED.code());
    assertThat(goodbye.getString("message")).isEqualTo("maintenance");
    assertThat(one.getInteger("closed")).isEqualTo(1);
    assertThat(codeLee).isEqualTo(CloseCode.KICKED.code());
    assertThat(neither.status()).isEqualTo(400);
  }

  @Test
  @DisplayName(
      "unsubscribe: the user's subscription ends on its node with a server unsubscribed; channels shows it")
  void unsubscribeAndChannels() throws Exception {
    TestClient una = connect(mesh.edgeB.httpPort(), "una", "p-una");
    TestClient ned = connect(mesh.edgeA.httpPort(), "ned", "p-ned");
    subscribe(una, "room:u1", false);
    subscribe(ned, "room:u1", false);
    JsonObject before = ok("channels", new JsonObject().put("prefix", "room:u"));
    JsonObject done =
        ok("unsubscribe", new JsonObject().put("userId", "una").put("channel", "room:u1"));
    JsonObject told = await(una.awaitType("unsubscribed"));
    JsonObject after = ok("channels", new JsonObject().put("prefix", "room:u"));
    JsonObject again =
        ok("unsubscribe", new JsonObject().put("userId", "una").put("channel", "room:u1"));

    assertThat(before.getJsonArray("channels"))
        .containsExactly(new JsonObject().put("channel", "room:u1").put("subscribers", 2));
    assertThat(done.getInteger("unsubscribed")).isEqualTo(1);
    assertThat(told.getString("channel")).isEqualTo("room:u1");
    assertThat(told.getString("reason")).isEqualTo("server");
    assertThat(told.containsKey("id")).isFalse();
    assertThat(after.getJsonArray("channels"))
        .containsExactly(new JsonObject().put("channel", "room:u1").put("subscribers", 1));
    assertThat(again.getInteger("unsubscribed")).isZero();
    await(una.close());
    await(ned.close());
  }

  @Test
  @DisplayName("presence of a channel and of users, presence stats and counts")
  void presence() throws Exception {
    TestClient pia = connect(mesh.edgeA.httpPort(), "pia", "p-pia");
    subscribe(pia, "room:p1", true);
    JsonObject members = ok("presence", new JsonObject().put("channel", "room:p1"));
    JsonObject stats = ok("presence_stats", new JsonObject().put("channel", "room:p1"));
    JsonObject users =
        ok(
            "user_presence",
            new JsonObject().put("userIds", new JsonArray().add("pia").add("nobody")));
    JsonObject counts = ok("presence_counts", new JsonObject());
    Answer badLimit = call("presence", new JsonObject().put("channel", "room:p1").put("limit", -1));

    assertThat(members.getInteger("count")).isEqualTo(1);
    assertThat(members.getJsonArray("members").getJsonObject(0).getString("userId"))
        .isEqualTo("pia");
    assertThat(stats.getInteger("members")).isEqualTo(1);
    assertThat(users.getJsonArray("users").getJsonObject(0).getString("status"))
        .isEqualTo("online");
    assertThat(users.getJsonArray("users").getJsonObject(1).getString("status"))
        .isEqualTo("offline");
    assertThat(counts.getLong("online")).isGreaterThanOrEqualTo(1L);
    assertThat(badLimit.status()).isEqualTo(400);
    assertThat(badLimit.json().getString("field")).isEqualTo("limit");
    await(pia.close());
  }

  @Test
  @DisplayName("history: paged from a position; a bad position is a 400 naming after")
  void history() throws Exception {
    for (int i = 1; i <= 3; i++) {
      ok("publish", new JsonObject().put("channel", "log:h").put("data", i).put("id", "h" + i));
    }
    JsonObject all = ok("history", new JsonObject().put("channel", "log:h").put("limit", 2));
    String next =
        all.getJsonObject("next").getString("epoch")
            + ":"
            + all.getJsonObject("next").getLong("seq");
    JsonObject rest = ok("history", new JsonObject().put("channel", "log:h").put("after", next));
    Answer bad = call("history", new JsonObject().put("channel", "log:h").put("after", "nonsense"));

    assertThat(all.getJsonArray("events")).hasSize(2);
    assertThat(all.getBoolean("more")).isTrue();
    assertThat(rest.getJsonArray("events")).hasSize(1);
    assertThat(rest.getJsonArray("events").getJsonObject(0).getInteger("data")).isEqualTo(3);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().getString("field")).isEqualTo("after");
  }

  @Test
  @DisplayName("info: the statistics of both connection nodes; an unknown node is 404")
  void info() throws Exception {
    JsonObject info = ok("info", new JsonObject());
    Answer one = call("info", new JsonObject().put("nodeId", mesh.runningB.node().nodeId()));
    Answer unknown = call("info", new JsonObject().put("nodeId", "no-such-node"));

    assertThat(info.getJsonArray("nodes")).hasSize(2);
    assertThat(info.getInteger("clusterMembers")).isEqualTo(4);
    assertThat(one.json().getJsonArray("nodes").getJsonObject(0).getString("nodeId"))
        .isEqualTo(mesh.runningB.node().nodeId());
    assertThat(unknown.status()).isEqualTo(404);
  }

  @Test
  @DisplayName(
      "refusals: 401 without the token, 400 for a body that is not an object, 404, 405, 413")
  void refusals() throws Exception {
    Answer noToken = call("publish", new JsonObject().put("channel", "a").put("data", 1), Map.of());
    Answer wrongToken = call("info", new JsonObject(), Map.of("Authorization", "Bearer nope"));
    Answer notObject = http.send("POST", "/api/info", "[1,2]", AUTH);
    spec.check(notObject);
    Answer notJson = http.send("POST", "/api/info", "{", AUTH);
    spec.check(notJson);
    Answer unknown = call("no_such_method", new JsonObject());
    Answer get = http.get("/api/info", AUTH);
    spec.check(get);
    String big =
        "x".repeat(ServerApiOptions.DEFAULT_MAX_EVENT_BYTES + ServerApiOptions.BODY_OVERHEAD);
    Answer tooLarge = call("publish", new JsonObject().put("channel", "a").put("data", big));

    assertThat(noToken.status()).isEqualTo(401);
    assertThat(noToken.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(wrongToken.status()).isEqualTo(401);
    assertThat(notObject.status()).isEqualTo(400);
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(get.status()).isEqualTo(405);
    assertThat(tooLarge.status()).isEqualTo(413);
  }

  @Test
  @DisplayName("429 past the node's rate and 503 without the services, both with Retry-After")
  void retryLater() throws Exception {
    // A rate of 1/s (burst 2) on the same node, through a second instance of the verticle.
    ServerApiOptions slow =
        new ServerApiOptions(
            true,
            "127.0.0.1",
            0,
            null,
            65536,
            1,
            ServerApiOptions.forTest(null).requestTimeout(),
            ServerApiOptions.forTest(null).idleTimeout());
    ServerApiVerticle limited =
        new ServerApiVerticle(slow, mesh.runningA.node(), new SimpleMeterRegistry());
    String deployment = await(mesh.runningA.node().vertx().deployVerticle(limited));
    ApiHttp limitedHttp = new ApiHttp(limited.actualPort());
    Answer last = null;
    for (int i = 0; i < 3; i++) {
      last = limitedHttp.post("/api/presence_counts", new JsonObject(), Map.of());
      spec.check(last);
    }
    await(mesh.runningA.node().vertx().undeploy(deployment));

    // A node of a cluster with no Mesh service in it: every method finds no handler.
    MeshNode alone = await(MeshCluster.start(TestClusters.fresh(), null));
    try {
      ServerApiVerticle orphan =
          new ServerApiVerticle(ServerApiOptions.forTest(null), alone, new SimpleMeterRegistry());
      await(alone.vertx().deployVerticle(orphan));
      Answer unavailable =
          new ApiHttp(orphan.actualPort())
              .post("/api/publish", new JsonObject().put("channel", "a").put("data", 1), Map.of());
      spec.check(unavailable);

      assertThat(last.status()).isEqualTo(429);
      assertThat(last.header("Retry-After")).isEqualTo("1");
      assertThat(unavailable.status()).isEqualTo(503);
      assertThat(unavailable.header("Retry-After")).isEqualTo("1");
    } finally {
      await(alone.close());
    }
  }
}
