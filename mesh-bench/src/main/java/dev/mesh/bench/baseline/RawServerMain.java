package dev.mesh.bench.baseline;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The practical limit of this machine: a WebSocket server on the same Vert.x version with no Mesh
 * logic (no token check, registry, heartbeat, history or cluster). It speaks just enough of Mesh's
 * frames for the same generator to drive it: {@code welcome} on open, {@code subscribe} → {@code
 * subscribed}, {@code publish} → one {@code event} text written to every subscriber of the channel
 * and {@code published}, {@code ping} → {@code pong}.
 *
 * <p>It runs on {@code loops} event loops, as many instances of one verticle sharing the port
 * (Vert.x spreads the accepted sockets over them): the same threading a Mesh edge is given with
 * {@code MESH_EVENT_LOOPS}, so that every comparison has the same number of loops on both sides.
 * Each loop owns its sockets; a publish is numbered once per channel and handed to every loop,
 * which writes it to its own subscribers. The {@code welcome} names the loop that holds the socket
 * ({@code nodeId} {@code raw-<loop>}). Usage: {@code RawServerMain <port> [loops, default 1]};
 * prints {@code listening <port>}.
 */
public final class RawServerMain {

  private RawServerMain() {}

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    int loops = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    if (loops < 1) {
      throw new IllegalArgumentException("loops must be >= 1, was " + loops);
    }
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(Math.max(loops, VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE)));
    Shared shared = new Shared();
    // A negative port is Vert.x's shared random port: every instance binds the same one (port 0
    // would give each
    // instance its own).
    int bind = port == 0 ? -1 : port;
    vertx
        .deployVerticle(() -> new Loop(shared, bind), new DeploymentOptions().setInstances(loops))
        .onSuccess(id -> System.out.println("listening " + shared.port))
        .onFailure(
            e -> {
              e.printStackTrace();
              System.exit(1);
            });
  }

  /**
   * What the loops share: channel seqs and the loops themselves (for handing a publish to each).
   */
  private static final class Shared {
    final Map<String, Long> seqs = new HashMap<>();
    final List<Loop> loops = new CopyOnWriteArrayList<>();
    volatile int port;

    /**
     * Numbers the event and hands it to every loop in one step, so each loop sees a channel's
     * events in order.
     */
    synchronized long publish(String channel, String id, Object data) {
      long seq = seqs.merge(channel, 1L, Long::sum);
      String event =
          new JsonObject()
              .put("type", "event")
              .put("channel", channel)
              .put("epoch", "raw")
              .put("seq", seq)
              .put("id", id)
              .put("ts", Instant.now().toString())
              .put("data", data)
              .encode();
      for (Loop loop : loops) {
        loop.loopContext.runOnContext(v -> loop.fanOut(channel, event));
      }
      return seq;
    }

    synchronized long head(String channel) {
      return seqs.getOrDefault(channel, 0L);
    }
  }

  /** One event loop's server instance and the subscribers of its own sockets. */
  private static final class Loop extends AbstractVerticle {
    private final Shared shared;
    private final int port;
    private final Map<String, Set<ServerWebSocket>> channels = new ConcurrentHashMap<>();
    private Context loopContext;
    private int index;

    Loop(Shared shared, int port) {
      this.shared = shared;
      this.port = port;
    }

    @Override
    public void start(Promise<Void> started) {
      loopContext = vertx.getOrCreateContext();
      synchronized (shared) {
        index = shared.loops.size();
        shared.loops.add(this);
      }
      vertx
          .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .webSocketHandler(this::accept)
          .listen()
          .onSuccess(
              s -> {
                shared.port = s.actualPort();
                started.complete();
              })
          .onFailure(started::fail);
    }

    void fanOut(String channel, String event) {
      for (ServerWebSocket subscriber : channels.getOrDefault(channel, Set.of())) {
        subscriber.writeTextMessage(event);
      }
    }

    private void accept(ServerWebSocket ws) {
      Set<String> subscribed = new LinkedHashSet<>();
      ws.writeTextMessage(
          new JsonObject()
              .put("type", "welcome")
              .put("protocol", 1)
              .put("connectionId", Integer.toHexString(System.identityHashCode(ws)))
              .put("nodeId", "raw-" + index)
              .encode());
      ws.textMessageHandler(
          text -> {
            JsonObject frame = new JsonObject(text);
            String channel = frame.getString("channel");
            switch (frame.getString("type", "")) {
              case "ping" -> ws.writeTextMessage("{\"type\":\"pong\"}");
              case "subscribe" -> {
                channels.computeIfAbsent(channel, c -> new LinkedHashSet<>()).add(ws);
                subscribed.add(channel);
                ws.writeTextMessage(
                    new JsonObject()
                        .put("type", "subscribed")
                        .put("id", frame.getString("id"))
                        .put("channel", channel)
                        .put(
                            "position",
                            new JsonObject().put("epoch", "raw").put("seq", shared.head(channel)))
                        .encode());
              }
              case "publish" -> {
                long seq = shared.publish(channel, frame.getString("id"), frame.getValue("data"));
                ws.writeTextMessage(
                    new JsonObject()
                        .put("type", "published")
                        .put("id", frame.getString("id"))
                        .put("channel", channel)
                        .put("epoch", "raw")
                        .put("seq", seq)
                        .encode());
              }
              default -> {}
            }
          });
      ws.closeHandler(
          v ->
              subscribed.forEach(
                  c -> {
                    Set<ServerWebSocket> set = channels.get(c);
                    if (set != null) {
                      set.remove(ws);
                    }
                  }));
    }
  }
}
