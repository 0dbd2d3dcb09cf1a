package dev.mesh.connection.serverapi;

import static dev.mesh.connection.support.ApiMesh.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.Json;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.connection.ChannelList;
import dev.mesh.common.connection.ChannelsQuery;
import dev.mesh.common.connection.ConnectionList;
import dev.mesh.common.connection.ConnectionQuery;
import dev.mesh.common.connection.KickRequest;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.connection.NodeStats;
import dev.mesh.common.connection.UnsubscribeRequest;
import dev.mesh.common.connection.UnsubscribeResult;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.HistoryRequest;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.status.ServiceStatus;
import dev.mesh.common.status.StatusQuery;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.ApiHttp;
import dev.mesh.connection.support.ApiHttp.Answer;
import dev.mesh.connection.support.ApiMesh;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * docs/api against a live mesh: the HTTP answers of replay's and presence's APIs, the public port
 * and the ops ports against openapi.yaml; the frames of real WebSocket and SSE connections, and
 * live event-bus bodies, against the message schemas of asyncapi.yaml.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("docs/api specs match what the services really send")
class SpecConformanceTest {

  private ApiMesh mesh;
  private Vertx clients;
  private Tokens tokens;
  private OpenApiCheck openApi;
  private AsyncApiCheck asyncApi;

  @BeforeAll
  void start() throws Exception {
    mesh = ApiMesh.start(TestClusters.fresh());
    clients = Vertx.vertx();
    tokens = new Tokens(clients);
    openApi = OpenApiCheck.load(clients);
    asyncApi = AsyncApiCheck.load();
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

  private Answer checked(Answer answer) throws Exception {
    openApi.check(answer);
    return answer;
  }

  @Test
  @DisplayName("the checks can fail: a frame or an answer that breaks its schema is refused")
  void checksCanFail() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> asyncApi.frame(new JsonObject().put("type", "welcome")))
        .isInstanceOf(AssertionError.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> asyncApi.frame(new JsonObject().put("type", "teleport")))
        .isInstanceOf(AssertionError.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                asyncApi.frame(
                    new JsonObject()
                        .put("type", "event")
                        .put("channel", "c")
                        .put("epoch", "e")
                        .put("seq", "one")
                        .put("id", "i")
                        .put("ts", "2026-01-01T00:00:00Z")
                        .put("data", 1)))
        .isInstanceOf(AssertionError.class);
    Answer missingSeq =
        new Answer(
            "POST",
            "/api/publish",
            200,
            Map.of("content-type", "application/json"),
            "{\"channel\":\"c\",\"epoch\":\"e\",\"ts\":\"2026-01-01T00:00:00Z\",\"duplicate\":false,\"position\":\"e:1\",\"id\":\"i\"}");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> openApi.check(missingSeq))
        .isInstanceOf(AssertionError.class);
    Answer undocumentedStatus =
        new Answer(
            "POST",
            "/api/info",
            418,
            Map.of("content-type", "application/json"),
            "{\"code\":418,\"message\":\"teapot\"}");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> openApi.check(undocumentedStatus))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  @DisplayName(
      "replay's and presence's HTTP APIs, tickets, /ws without upgrade and the ops ports match openapi.yaml")
  void httpApis() throws Exception {
    ApiHttp replay = new ApiHttp(mesh.replay.httpPort());
    Answer created =
        checked(
            replay.post(
                "/channels/spec:replay/events",
                new JsonObject().put("id", "r1").put("data", new JsonObject().put("a", 1)),
                Map.of()));
    Answer duplicate =
        checked(
            replay.post(
                "/channels/spec:replay/events",
                new JsonObject().put("id", "r1").put("data", new JsonObject().put("a", 1)),
                Map.of()));
    Answer noId =
        checked(
            replay.post("/channels/spec:replay/events", new JsonObject().put("data", 1), Map.of()));
    Answer page = checked(replay.get("/channels/spec:replay/events?limit=10", Map.of()));
    Answer badAfter = checked(replay.get("/channels/spec:replay/events?after=zzz", Map.of()));

    ApiHttp presence = new ApiHttp(mesh.presence.httpPort());
    Answer user = checked(presence.get("/presence/users/someone", Map.of()));
    Answer users = checked(presence.get("/presence/users?ids=a,b", Map.of()));
    Answer channel = checked(presence.get("/presence/channels/spec:room?limit=5", Map.of()));
    Answer counts = checked(presence.get("/presence/counts", Map.of()));
    Answer badUser = checked(presence.get("/presence/users/bad%20id", Map.of()));

    ApiHttp edge = new ApiHttp(mesh.edgeA.httpPort());
    Answer ticket =
        checked(
            edge.post(
                "/auth/ticket", null, Map.of("Authorization", "Bearer " + tokens.valid("tic"))));
    Answer noCredential = checked(edge.post("/auth/ticket", null, Map.of()));
    Answer plainWs = checked(edge.get("/ws?session=s&tab=t&page=p", Map.of()));

    List<Answer> ops = new ArrayList<>();
    for (int port :
        List.of(
            mesh.runningA.opsPort(),
            mesh.runningPresence.opsPort(),
            mesh.runningReplay.opsPort())) {
      ApiHttp opsPort = new ApiHttp(port);
      ops.add(checked(opsPort.get("/health", Map.of())));
      ops.add(checked(opsPort.get("/ready", Map.of())));
      ops.add(checked(opsPort.get("/metrics", Map.of())));
    }

    assertThat(created.status()).isEqualTo(201);
    assertThat(duplicate.status()).isEqualTo(200);
    assertThat(noId.status()).isEqualTo(400);
    assertThat(page.json().getJsonArray("events")).hasSize(1);
    assertThat(badAfter.status()).isEqualTo(400);
    assertThat(user.json().getString("status")).isEqualTo("offline");
    assertThat(users.json().getJsonArray("users")).hasSize(2);
    assertThat(channel.status()).isEqualTo(200);
    assertThat(counts.status()).isEqualTo(200);
    assertThat(badUser.status()).isEqualTo(400);
    assertThat(ticket.status()).isEqualTo(200);
    assertThat(noCredential.status()).isEqualTo(401);
    assertThat(plainWs.status()).isEqualTo(400);
    assertThat(ops).extracting(Answer::status).containsOnly(200);
  }

  @Test
  @DisplayName(
      "every frame of live WebSocket connections matches its asyncapi.yaml schema, in both directions")
  void webSocketFrames() throws Exception {
    BusClient bus = new BusClient(mesh.runningA.node().vertx());
    int port = mesh.edgeA.httpPort();
    List<JsonObject> sent = new ArrayList<>();
    TestClient alice =
        await(
            TestClient.connect(
                clients,
                port,
                tokens.expiringAt("alice", Instant.now().plusSeconds(30)),
                "s-alice",
                "t-alice",
                "p-alice"));
    await(alice.welcome());
    await(alice.awaitType("token-expiring"));
    send(alice, sent, new JsonObject().put("type", "ping").put("id", "p1"));
    await(alice.awaitType("pong"));
    send(
        alice,
        sent,
        new JsonObject()
            .put("type", "subscribe")
            .put("id", "s1")
            .put("channel", "spec:ws")
            .put("presence", true)
            .put("info", new JsonObject().put("name", "Alice")));
    await(alice.awaitType("subscribed"));
    TestClient bob =
        await(
            TestClient.connect(
                clients, mesh.edgeB.httpPort(), tokens.valid("bob"), "s-bob", "t-bob", "p-bob"));
    await(bob.welcome());
    await(
        bob.send(
            new JsonObject()
                .put("type", "subscribe")
                .put("id", "b1")
                .put("channel", "spec:ws")
                .put("presence", true)));
    await(alice.awaitType("presence"));
    JsonObject publish =
        new JsonObject()
            .put("type", "publish")
            .put("id", "m_spec_1")
            .put("channel", "spec:ws")
            .put("data", new JsonObject().put("text", "hi"))
            .put("critical", true);
    send(alice, sent, publish);
    await(alice.await(f -> "published".equals(f.getString("type"))));
    JsonObject event = await(alice.awaitType("event"));
    send(alice, sent, publish);
    await(
        alice.await(
            f ->
                "published".equals(f.getString("type"))
                    && Boolean.TRUE.equals(f.getBoolean("duplicate"))));
    send(
        alice,
        sent,
        new JsonObject()
            .put("type", "ack")
            .put("channel", "spec:ws")
            .put("seq", event.getLong("seq")));
    // History from an epoch that is not the channel's: reset, then subscribed and the replayed
    // events.
    await(
        bus.request(
            Addresses.PUBLISH,
            new PublishRequest(
                "spec:old", "o1", Json.MAPPER.valueToTree(1), false, "spec", null, null),
            PublishResult.class));
    send(
        alice,
        sent,
        new JsonObject()
            .put("type", "subscribe")
            .put("id", "s2")
            .put("channel", "spec:old")
            .put("position", new JsonObject().put("epoch", "gone").put("seq", 3)));
    await(alice.awaitType("reset"));
    await(
        alice.await(
            f -> "subscribed".equals(f.getString("type")) && "s2".equals(f.getString("id"))));
    send(
        alice,
        sent,
        new JsonObject().put("type", "unsubscribe").put("id", "u1").put("channel", "spec:old"));
    await(
        alice.await(
            f -> "unsubscribed".equals(f.getString("type")) && "u1".equals(f.getString("id"))));
    await(alice.sendText("{\"type\":\"teleport\"}"));
    await(alice.awaitType("error"));
    send(
        alice,
        sent,
        new JsonObject()
            .put("type", "refresh")
            .put("id", "r1")
            .put("token", tokens.valid("alice")));
    await(alice.awaitType("refreshed"));
    await(
        bus.request(
            Addresses.UNSUBSCRIBE,
            new UnsubscribeRequest("alice", "spec:ws"),
            UnsubscribeResult.class));
    await(
        alice.await(
            f ->
                "unsubscribed".equals(f.getString("type"))
                    && "server".equals(f.getString("reason"))));
    await(
        bus.request(Addresses.KICK, new KickRequest("bob", null, null, "spec"), KickResult.class));
    await(bob.closed());
    send(alice, sent, new JsonObject().put("type", "close"));
    await(alice.closed());

    Set<String> types = new LinkedHashSet<>();
    for (TestClient client : List.of(alice, bob)) {
      for (JsonObject frame : client.frames()) {
        asyncApi.frame(frame);
        types.add(frame.getString("type"));
      }
    }
    for (JsonObject frame : sent) {
      asyncApi.frame(frame);
    }
    assertThat(types)
        .contains(
            "welcome",
            "token-expiring",
            "pong",
            "subscribed",
            "presence",
            "published",
            "event",
            "reset",
            "unsubscribed",
            "error",
            "refreshed",
            "goodbye");
  }

  private static void send(TestClient client, List<JsonObject> sent, JsonObject frame)
      throws Exception {
    sent.add(frame);
    await(client.send(frame));
  }

  @Test
  @DisplayName("an SSE stream's events and the POST replies match asyncapi.yaml and openapi.yaml")
  void sseFrames() throws Exception {
    String token = tokens.valid("sam");
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + mesh.edgeA.httpPort();
    HttpResponse<Stream<String>> stream =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        base
                            + "/sse?session=s-sam&tab=t-sam&page=p-sam&channels=spec:sse&presence=spec:sse"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    List<JsonObject> events = new ArrayList<>();
    try (Stream<String> lines = stream.body()) {
      Iterator<String> reader = lines.iterator();
      JsonObject welcome = next(reader, events, "subscribed");
      ApiHttp edge = new ApiHttp(mesh.edgeA.httpPort());
      Map<String, String> auth = Map.of("Authorization", "Bearer " + token);
      String connection = events.get(0).getString("connectionId");
      Answer pong =
          checked(
              edge.post(
                  "/sse/" + connection, new JsonObject().put("type", "ping").put("id", "p"), auth));
      Answer published =
          checked(
              edge.post(
                  "/sse/" + connection,
                  new JsonObject()
                      .put("type", "publish")
                      .put("id", "sse-1")
                      .put("channel", "spec:sse")
                      .put("data", 7),
                  auth));
      next(reader, events, "event");
      Answer unknown =
          checked(edge.post("/sse/nobody", new JsonObject().put("type", "ping"), auth));
      Answer notJson = checked(edge.send("POST", "/sse/" + connection, "{", auth));
      Answer noPage = checked(edge.get("/sse?session=s&tab=t", auth));

      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.headers().firstValue("content-type").orElse(""))
          .startsWith("text/event-stream");
      assertThat(welcome.getString("type")).isEqualTo("subscribed");
      asyncApi.frame(pong.json());
      asyncApi.frame(published.json());
      assertThat(pong.json().getString("type")).isEqualTo("pong");
      assertThat(published.json().getString("type")).isEqualTo("published");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(notJson.status()).isEqualTo(400);
      assertThat(noPage.status()).isEqualTo(400);
    }
    for (JsonObject event : events) {
      asyncApi.frame(event);
    }
    assertThat(events)
        .extracting(e -> e.getString("type"))
        .contains("welcome", "subscribed", "event");
  }

  /**
   * Reads SSE events until one of {@code type}; each event's data must be the JSON of a frame of
   * that type.
   */
  private static JsonObject next(Iterator<String> lines, List<JsonObject> events, String type) {
    String name = null;
    while (lines.hasNext()) {
      String line = lines.next();
      if (line.startsWith("event: ")) {
        name = line.substring(7);
      } else if (line.startsWith("data: ")) {
        JsonObject frame = new JsonObject(line.substring(6));
        assertThat(frame.getString("type")).as("SSE event name").isEqualTo(name);
        events.add(frame);
        if (type.equals(name)) {
          return frame;
        }
      }
    }
    throw new AssertionError("the stream ended before an event " + type);
  }

  @Test
  @DisplayName(
      "live event-bus requests, replies and published bodies match asyncapi.yaml's record schemas")
  void busBodies() throws Exception {
    Vertx node = mesh.runningA.node().vertx();
    BusClient bus = new BusClient(node);
    List<JsonObject> published = new ArrayList<>();
    List<MessageConsumer<?>> consumers =
        List.of(
            node.eventBus().consumer(Addresses.CONNECTION_EVENTS, m -> record(published, m.body())),
            node.eventBus().consumer(Addresses.PRESENCE_EVENTS, m -> record(published, m.body())),
            node.eventBus()
                .consumer(Addresses.channel("spec:bus"), m -> record(published, m.body())));
    for (MessageConsumer<?> consumer : consumers) {
      await(consumer.completion());
    }
    TestClient cy =
        await(
            TestClient.connect(
                clients, mesh.edgeB.httpPort(), tokens.valid("cy"), "s-cy", "t-cy", "p-cy"));
    await(cy.welcome());
    await(
        cy.send(
            new JsonObject()
                .put("type", "subscribe")
                .put("id", "c1")
                .put("channel", "spec:bus")
                .put("presence", true)));
    await(cy.awaitType("subscribed"));
    String nodeB = mesh.runningB.node().nodeId();

    Map<MeshMessage, MeshMessage> exchanges = new java.util.LinkedHashMap<>();
    PublishRequest publish =
        new PublishRequest(
            "spec:bus", "b1", Json.MAPPER.valueToTree(Map.of("k", 1)), false, "spec", null, null);
    exchanges.put(publish, await(bus.request(Addresses.PUBLISH, publish, PublishResult.class)));
    HistoryRequest history = new HistoryRequest("spec:bus", null, 10);
    exchanges.put(history, await(bus.request(Addresses.HISTORY, history, HistoryPage.class)));
    SendToUser send = new SendToUser("cy", "d1", Json.MAPPER.valueToTree("hey"), false, "spec");
    exchanges.put(send, await(bus.request(Addresses.SEND_TO_USER, send, SendResult.class)));
    ConnectionQuery list = new ConnectionQuery("cy");
    exchanges.put(list, await(bus.request(Addresses.LIST_CONNECTIONS, list, ConnectionList.class)));
    StatusQuery stats = new StatusQuery("spec");
    exchanges.put(stats, await(bus.request(Addresses.nodeStats(nodeB), stats, NodeStats.class)));
    ChannelsQuery channels = new ChannelsQuery("spec:");
    exchanges.put(channels, await(bus.request(Addresses.CHANNELS, channels, ChannelList.class)));
    PresenceQuery users = new PresenceQuery(List.of("cy", "nobody"));
    exchanges.put(
        users, await(bus.request(Addresses.PRESENCE_QUERY, users, PresenceStatuses.class)));
    PresenceCountsQuery counts = new PresenceCountsQuery("spec");
    exchanges.put(
        counts, await(bus.request(Addresses.PRESENCE_QUERY, counts, PresenceCounts.class)));
    ChannelQuery members = new ChannelQuery("spec:bus", 10);
    exchanges.put(
        members, await(bus.request(Addresses.PRESENCE_CHANNEL, members, ChannelMembers.class)));
    ServiceStatus status =
        await(bus.request(Addresses.REPLAY_STATUS, new StatusQuery("spec"), ServiceStatus.class));
    UnsubscribeRequest unsubscribe = new UnsubscribeRequest("cy", "spec:bus");
    exchanges.put(
        unsubscribe,
        await(bus.request(Addresses.UNSUBSCRIBE, unsubscribe, UnsubscribeResult.class)));
    KickRequest kick = new KickRequest("cy", null, null, "spec");
    exchanges.put(kick, await(bus.request(Addresses.KICK, kick, KickResult.class)));
    await(cy.closed());
    for (MessageConsumer<?> consumer : consumers) {
      await(consumer.unregister());
    }

    exchanges.forEach(
        (request, reply) -> {
          asyncApi.body(schemaOf(request), json(request));
          asyncApi.body(schemaOf(reply), json(reply));
        });
    asyncApi.body("ServiceStatus", json(status));
    Set<String> kinds = new LinkedHashSet<>();
    for (JsonObject body : published) {
      String kind = body.getString("@type");
      body.remove("@type");
      asyncApi.body(kind, body);
      kinds.add(kind);
    }
    assertThat(kinds).contains("ConnectionOpened", "PresenceChanged", "Envelope");
  }

  private static synchronized void record(List<JsonObject> into, Object body) {
    if (body instanceof MeshMessage message) {
      into.add(json(message).put("@type", schemaOf(message)));
    }
  }

  private static String schemaOf(MeshMessage message) {
    return message instanceof PresenceCountsQuery
        ? "StatusQuery"
        : message.getClass().getSimpleName();
  }

  private static JsonObject json(Object record) {
    return new JsonObject(Json.encode(record));
  }
}
