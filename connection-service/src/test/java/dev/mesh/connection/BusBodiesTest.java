package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.MeshCodec;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every request address answers every body, over a real cluster (replay, presence and a connection
 * node, plus an integrator's lite member that calls them): 400 with the reason for a body the
 * {@code mesh} codec cannot decode or of the wrong type, and the JSON alternative (a {@link
 * JsonObject} in, a {@link JsonObject} out) on each family.
 */
@DisplayName("Event-bus bodies: undecodable, wrong-typed and JSON")
class BusBodiesTest {

  private static final long TIMEOUT_SECONDS = 30;

  /** Well under the 5 s request timeout: an answer, not a timeout, is what is asserted. */
  private static final DeliveryOptions QUICK = new DeliveryOptions().setSendTimeout(4000);

  private static EdgeNodes nodes;
  private static EdgeNodes.Edge edge;
  private static MeshNode caller;
  private static Vertx clientVertx;

  /**
   * Raw bytes to put on the wire as a {@code mesh}-codec body. A class, not a record: a record
   * would compare its array by identity.
   */
  private static final class Raw {
    private final byte[] bytes;

    Raw(byte[] bytes) {
      this.bytes = bytes;
    }

    byte[] bytes() {
      return bytes;
    }
  }

  /**
   * Stands in for another program's codec named {@code mesh} that writes whatever bytes it likes.
   */
  private static final class RawCodec implements MessageCodec<Raw, Raw> {
    @Override
    public void encodeToWire(Buffer buffer, Raw raw) {
      buffer.appendBytes(raw.bytes());
    }

    @Override
    public Raw decodeFromWire(int pos, Buffer buffer) {
      return new Raw(buffer.getBytes(pos, buffer.length()));
    }

    @Override
    public Raw transform(Raw raw) {
      return raw;
    }

    @Override
    public String name() {
      return MeshCodec.NAME;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  @BeforeAll
  static void startMesh() throws Exception {
    var cluster = TestClusters.fresh();
    nodes = new EdgeNodes(cluster);
    edge =
        nodes
            .startReplay()
            .compose(r -> nodes.startPresence())
            .compose(p -> nodes.start())
            .toCompletionStage()
            .toCompletableFuture()
            .get(120, TimeUnit.SECONDS);
    caller =
        MeshCluster.start(cluster.withLiteMember(true), null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(120, TimeUnit.SECONDS);
    // The caller sends raw bytes under the codec name "mesh", as a program with its own codec of
    // that name would.
    caller.vertx().eventBus().unregisterCodec(MeshCodec.NAME);
    caller.vertx().eventBus().registerCodec(new RawCodec());
    clientVertx = Vertx.vertx();
  }

  @AfterAll
  static void stopMesh() throws Exception {
    try {
      if (caller != null) {
        caller.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      if (clientVertx != null) {
        clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      nodes.close();
    }
  }

  /**
   * Every request address Mesh answers, read from {@link Addresses} itself so that an address added
   * there cannot be missed here: each public constant and each node-scoped address method is either
   * a request address (tested) or named below as one Mesh does not answer (a published stream, a
   * prefix, the application's authoriser).
   */
  private static List<String> requestAddresses() throws Exception {
    Set<String> notAnswered =
        Set.of(
            "PREFIX",
            "NODE_STATS_PREFIX", // parts of names, not addresses
            "CONNECTION_EVENTS",
            "PRESENCE_EVENTS",
            "channel", // published streams: nobody replies
            "AUTHORIZE"); // answered by the application's authoriser (MeshBusTest), not by Mesh
    List<String> addresses = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    for (Field field : Addresses.class.getDeclaredFields()) {
      if (Modifier.isPublic(field.getModifiers())
          && Modifier.isStatic(field.getModifiers())
          && field.getType() == String.class) {
        seen.add(field.getName());
        if (!notAnswered.contains(field.getName())) {
          addresses.add((String) field.get(null));
        }
      }
    }
    for (Method method : Addresses.class.getDeclaredMethods()) {
      if (Modifier.isPublic(method.getModifiers())
          && Modifier.isStatic(method.getModifiers())
          && method.getReturnType() == String.class) {
        assertThat(method.getParameterTypes())
            .as("Addresses.%s takes a node id or a channel", method.getName())
            .containsExactly(String.class);
        seen.add(method.getName());
        if (!notAnswered.contains(method.getName())) {
          addresses.add((String) method.invoke(null, edge.nodeId()));
        }
      }
    }
    assertThat(seen)
        .as("every name in notAnswered still exists in Addresses")
        .containsAll(notAnswered);
    assertThat(addresses)
        .as("the addresses this test covers")
        .contains(
            Addresses.UNSUBSCRIBE,
            Addresses.CHANNELS,
            Addresses.nodeUnsubscribe(edge.nodeId()),
            Addresses.nodeChannels(edge.nodeId()),
            Addresses.nodeInbox(edge.nodeId()),
            Addresses.nodeStats(edge.nodeId()),
            Addresses.PUBLISH);
    return addresses;
  }

  /**
   * The failure of a request expected to fail: its code and message, or the failure type if it was
   * not a reply.
   */
  private static String failureOf(Future<?> request) throws Exception {
    try {
      Object reply =
          request.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return "replied " + reply;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ReplyException reply) {
        return reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
            ? reply.failureCode() + " " + reply.getMessage()
            : reply.failureType().toString();
      }
      throw e;
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static Future<Object> send(String address, Object body) {
    DeliveryOptions options = new DeliveryOptions(QUICK);
    if (body instanceof Raw) {
      options.setCodecName(MeshCodec.NAME);
    }
    return caller.vertx().eventBus().request(address, body, options).map(message -> message.body());
  }

  private static JsonObject json(String address, JsonObject body) throws Exception {
    Object reply = await(send(address, body));
    assertThat(reply).as("reply of %s to a JSON body", address).isInstanceOf(JsonObject.class);
    return (JsonObject) reply;
  }

  private static byte[] meshWire(String className, String json) {
    byte[] type = className.getBytes(StandardCharsets.UTF_8);
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer()
        .appendShort((short) type.length)
        .appendBytes(type)
        .appendInt(body.length)
        .appendBytes(body)
        .getBytes();
  }

  @Test
  @DisplayName(
      "every request address answers 400, not a timeout, to bytes the mesh codec cannot decode")
  void undecodableBodies() throws Exception {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("one byte", new byte[] {1});
    bodies.put("class-name length past the end", new byte[] {0x7f, 0x7f, 'x'});
    bodies.put(
        "JSON length past the end",
        Buffer.buffer().appendShort((short) 1).appendString("x").appendInt(1 << 30).getBytes());
    bodies.put("unknown class", meshWire("com.example.Nope", "{}"));
    bodies.put("class that is not a MeshMessage", meshWire("java.lang.String", "\"x\""));
    bodies.put(
        "JSON that is not the record",
        meshWire(PublishRequest.class.getName(), "{\"critical\": {\"no\": 1}"));
    List<String> answers = new ArrayList<>();
    List<String> addresses = requestAddresses();
    for (String address : addresses) {
      for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
        String failure = failureOf(send(address, new Raw(body.getValue())));
        answers.add(address + " / " + body.getKey() + " -> " + failure);
        assertThat(failure)
            .as("%s given %s", address, body.getKey())
            .startsWith("400 ")
            .contains("mesh codec");
      }
    }
    assertThat(answers).hasSize(addresses.size() * bodies.size());
  }

  @Test
  @DisplayName(
      "a body of another type (text, a JSON array, another record) is a 400 naming what is expected")
  void wrongTypedBodies() throws Exception {
    for (String address : requestAddresses()) {
      assertThat(failureOf(send(address, "hello"))).as(address).startsWith("400 ");
      assertThat(failureOf(send(address, new JsonArray().add(1)))).as(address).startsWith("400 ");
    }
    // A record of another address, from a node with the Mesh codec (the edge's own bus), across the
    // cluster.
    BusClient typed = new BusClient(edge.running().node().vertx());
    String failure =
        failureOf(
            typed.request(
                Addresses.PUBLISH, new PresenceQuery(List.of("ann")), PublishResult.class));
    assertThat(failure)
        .startsWith("400 ")
        .contains("expected PublishRequest")
        .contains("got PresenceQuery");
    // No body at all.
    assertThat(failureOf(send(Addresses.HISTORY, null)))
        .startsWith("400 ")
        .contains("a body is required");
  }

  @Test
  @DisplayName("JSON in, JSON out on every family; a typed request still gets a typed reply")
  void jsonOnEveryFamily() throws Exception {
    Tokens tokens = new Tokens(clientVertx);
    TestClient ann =
        await(
            TestClient.connect(clientVertx, edge.port(), tokens.valid("ann"), "s1", "t1", "p1")
                .compose(client -> client.welcome().map(w -> client)));

    JsonObject status = json(Addresses.REPLAY_STATUS, new JsonObject().put("from", "json-test"));
    assertThat(status.getString("service")).isEqualTo("replay-service");

    JsonObject published =
        json(
            Addresses.PUBLISH,
            new JsonObject()
                .put("channel", "room:json")
                .put("id", "j-1")
                .put("data", new JsonObject().put("text", "hi"))
                .put("critical", true));
    assertThat(published.getString("channel")).isEqualTo("room:json");
    assertThat(published.getLong("seq")).isEqualTo(1);
    assertThat(published.getBoolean("duplicate")).isFalse();
    String epoch = published.getString("epoch");
    JsonObject again =
        json(
            Addresses.PUBLISH,
            new JsonObject()
                .put("channel", "room:json")
                .put("id", "j-1")
                .put("data", new JsonObject().put("text", "hi"))
                .put("critical", true));
    assertThat(again.getBoolean("duplicate")).isTrue();
    assertThat(again.getLong("seq")).isEqualTo(1);

    JsonObject page = json(Addresses.HISTORY, new JsonObject().put("channel", "room:json"));
    assertThat(page.getString("epoch")).isEqualTo(epoch);
    assertThat(page.getJsonArray("events")).hasSize(1);
    assertThat(page.getJsonArray("events").getJsonObject(0).getJsonObject("data").getString("text"))
        .isEqualTo("hi");
    assertThat(page.getJsonObject("next").getLong("seq")).isEqualTo(1);

    JsonObject pending =
        json(
            Addresses.PENDING_CRITICAL,
            new JsonObject().put("userId", "ann").put("channel", "room:json"));
    assertThat(pending.getJsonArray("events")).hasSize(1);
    JsonObject acked =
        json(
            Addresses.ACK,
            new JsonObject()
                .put("userId", "ann")
                .put("channel", "room:json")
                .put("epoch", epoch)
                .put("seq", 1));
    assertThat(acked.getLong("seq")).isEqualTo(1);
    assertThat(
            json(
                    Addresses.PENDING_CRITICAL,
                    new JsonObject().put("userId", "ann").put("channel", "room:json"))
                .getJsonArray("events"))
        .isEmpty();

    JsonObject presence =
        json(Addresses.PRESENCE_QUERY, new JsonObject().put("userIds", new JsonArray().add("ann")));
    assertThat(presence.getJsonArray("users").getJsonObject(0).getString("status"))
        .isEqualTo("online");
    JsonObject counts = json(Addresses.PRESENCE_QUERY, new JsonObject().put("from", "json-test"));
    assertThat(counts.getLong("online")).isEqualTo(1);
    JsonObject channel =
        json(
            Addresses.PRESENCE_CHANNEL,
            new JsonObject().put("channel", "room:json").put("limit", 10));
    assertThat(channel.getString("channel")).isEqualTo("room:json");
    assertThat(channel.getInteger("count")).isZero();

    JsonObject list = json(Addresses.LIST_CONNECTIONS, new JsonObject().put("userId", "ann"));
    assertThat(list.getJsonArray("connections")).hasSize(1);
    assertThat(
            list.getJsonArray("connections")
                .getJsonObject(0)
                .getJsonObject("identity")
                .getString("userId"))
        .isEqualTo("ann");
    JsonObject stats =
        json(Addresses.nodeStats(edge.nodeId()), new JsonObject().put("from", "json-test"));
    assertThat(stats.getString("nodeId")).isEqualTo(edge.nodeId());
    assertThat(stats.getInteger("connections")).isEqualTo(1);

    JsonObject sent =
        json(
            Addresses.SEND_TO_USER,
            new JsonObject()
                .put("userId", "ann")
                .put("id", "dm-1")
                .put("data", new JsonObject().put("n", 1)));
    assertThat(sent.getString("channel")).isEqualTo("user:ann");
    assertThat(sent.getInteger("connections")).isEqualTo(1);

    await(
        ann.send(
            new JsonObject()
                .put("type", "subscribe")
                .put("id", "sub-1")
                .put("channel", "room:json-sub")));
    await(
        ann.await(
            f -> "subscribed".equals(f.getString("type")) && "sub-1".equals(f.getString("id"))));
    JsonObject channels = json(Addresses.CHANNELS, new JsonObject().put("prefix", "room:"));
    assertThat(channels.getInteger("nodes")).isEqualTo(1);
    assertThat(channels.getJsonArray("channels"))
        .containsExactly(new JsonObject().put("channel", "room:json-sub").put("subscribers", 1));
    assertThat(
            json(Addresses.nodeChannels(edge.nodeId()), new JsonObject()).getJsonArray("channels"))
        .contains(new JsonObject().put("channel", "room:json-sub").put("subscribers", 1));
    JsonObject unsubscribed =
        json(
            Addresses.UNSUBSCRIBE,
            new JsonObject().put("userId", "ann").put("channel", "room:json-sub"));
    assertThat(unsubscribed.getInteger("unsubscribed")).isEqualTo(1);
    assertThat(
            await(
                    ann.await(
                        f ->
                            "unsubscribed".equals(f.getString("type"))
                                && "room:json-sub".equals(f.getString("channel"))))
                .getString("reason"))
        .isEqualTo("server");
    assertThat(
            json(
                    Addresses.nodeUnsubscribe(edge.nodeId()),
                    new JsonObject().put("userId", "ann").put("channel", "room:json-sub"))
                .getInteger("unsubscribed"))
        .as("already unsubscribed")
        .isZero();
    assertThat(
            json(Addresses.CHANNELS, new JsonObject().put("prefix", "room:"))
                .getJsonArray("channels"))
        .isEmpty();

    // Typed in, typed out, across the cluster, on the same consumer.
    PublishResult typed =
        await(
            new BusClient(edge.running().node().vertx())
                .request(
                    Addresses.PUBLISH,
                    new PublishRequest(
                        "room:json",
                        "t-1",
                        JsonNodeFactory.instance.objectNode().put("n", 2),
                        false),
                    PublishResult.class));
    assertThat(typed.seq()).isEqualTo(2);

    JsonObject kicked =
        json(Addresses.KICK, new JsonObject().put("userId", "ann").put("message", "bye"));
    assertThat(kicked.getInteger("closed")).isEqualTo(1);
    assertThat(await(ann.closed())).isEqualTo(CloseCode.KICKED.code());
  }

  @Test
  @DisplayName(
      "a JSON field of the wrong type, or a missing required one, is a 400 that names the field")
  void badJsonFields() throws Exception {
    assertThat(
            failureOf(
                send(
                    Addresses.PUBLISH,
                    new JsonObject()
                        .put("channel", "room:bad")
                        .put("id", "b-1")
                        .put("data", new JsonObject())
                        .put("critical", new JsonObject().put("no", 1)))))
        .startsWith("400 ")
        .contains("\"critical\"");
    assertThat(
            failureOf(
                send(
                    Addresses.HISTORY,
                    new JsonObject().put("channel", "room:bad").put("limit", "ten"))))
        .startsWith("400 ")
        .contains("\"limit\"");
    assertThat(
            failureOf(
                send(
                    Addresses.HISTORY,
                    new JsonObject()
                        .put("channel", "room:bad")
                        .put("after", new JsonObject().put("epoch", "e").put("seq", "x")))))
        .startsWith("400 ")
        .contains("\"after.seq\"");
    assertThat(
            failureOf(
                send(Addresses.PRESENCE_QUERY, new JsonObject().put("userIds", new JsonObject()))))
        .startsWith("400 ")
        .contains("\"userIds\"");
    assertThat(
            failureOf(
                send(
                    Addresses.SEND_TO_USER,
                    new JsonObject().put("id", "x").put("data", new JsonObject()))))
        .startsWith("400 ")
        .contains("userId is required");
    assertThat(
            failureOf(
                send(
                    Addresses.PUBLISH,
                    new JsonObject().put("id", "x").put("data", new JsonObject()))))
        .startsWith("400 ")
        .contains("channel is required");
    assertThat(
            failureOf(
                send(
                    Addresses.PRESENCE_CHANNEL,
                    new JsonObject().put("channel", "room:bad").put("action", "dance"))))
        .startsWith("400 ")
        .contains("\"action\"");
    assertThat(failureOf(send(Addresses.KICK, new JsonObject())))
        .startsWith("400 ")
        .contains("userId or connectionId is required");
    assertThat(failureOf(send(Addresses.UNSUBSCRIBE, new JsonObject().put("userId", "ann"))))
        .startsWith("400 ")
        .contains("channel is required");
    assertThat(
            failureOf(
                send(
                    Addresses.CHANNELS,
                    new JsonObject().put("prefix", new JsonObject().put("no", 1)))))
        .startsWith("400 ")
        .contains("\"prefix\"");
  }
}
