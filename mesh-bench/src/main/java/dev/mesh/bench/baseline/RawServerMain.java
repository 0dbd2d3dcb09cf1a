package dev.mesh.bench.baseline;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The practical limit of this machine: a WebSocket server on the same Vert.x version with no Mesh logic (no token
 * check, registry, heartbeat, history or cluster). It speaks just enough of Mesh's frames for the same generator to
 * drive it: {@code welcome} on open, {@code subscribe} → {@code subscribed}, {@code publish} → one {@code event}
 * text written to every subscriber of the channel and {@code published}, {@code ping} → {@code pong}.
 * Usage: {@code RawServerMain <port>}; prints {@code listening <port>}.
 */
public final class RawServerMain {

  private final Map<String, Set<ServerWebSocket>> channels = new HashMap<>();
  private final Map<String, Long> seqs = new HashMap<>();

  private RawServerMain() {
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    Vertx vertx = Vertx.vertx();
    RawServerMain server = new RawServerMain();
    // One event loop, like one Mesh edge verticle instance: the same threading for both.
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .webSocketHandler(server::accept)
        .listen()
        .onSuccess(s -> System.out.println("listening " + s.actualPort()))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  private void accept(ServerWebSocket ws) {
    Set<String> subscribed = new LinkedHashSet<>();
    ws.writeTextMessage(new JsonObject().put("type", "welcome").put("protocol", 1)
        .put("connectionId", Integer.toHexString(System.identityHashCode(ws))).put("nodeId", "raw").encode());
    ws.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      String channel = frame.getString("channel");
      switch (frame.getString("type", "")) {
        case "ping" -> ws.writeTextMessage("{\"type\":\"pong\"}");
        case "subscribe" -> {
          channels.computeIfAbsent(channel, c -> new LinkedHashSet<>()).add(ws);
          subscribed.add(channel);
          ws.writeTextMessage(new JsonObject().put("type", "subscribed").put("id", frame.getString("id"))
              .put("channel", channel).put("position", new JsonObject().put("epoch", "raw")
                  .put("seq", seqs.getOrDefault(channel, 0L))).encode());
        }
        case "publish" -> {
          long seq = seqs.merge(channel, 1L, Long::sum);
          String event = new JsonObject().put("type", "event").put("channel", channel).put("epoch", "raw")
              .put("seq", seq).put("id", frame.getString("id")).put("ts", Instant.now().toString())
              .put("data", frame.getValue("data")).encode();
          for (ServerWebSocket subscriber : channels.getOrDefault(channel, Set.of())) {
            subscriber.writeTextMessage(event);
          }
          ws.writeTextMessage(new JsonObject().put("type", "published").put("id", frame.getString("id"))
              .put("channel", channel).put("epoch", "raw").put("seq", seq).encode());
        }
        default -> {
        }
      }
    });
    ws.closeHandler(v -> subscribed.forEach(c -> {
      Set<ServerWebSocket> set = channels.get(c);
      if (set != null) {
        set.remove(ws);
      }
    }));
  }
}
