package dev.mesh.bench.client;

import io.netty.channel.Channel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One simulated page speaking Socket.IO 4 (Engine.IO v4 over a plain WebSocket, no long-polling) to
 * the Socket.IO baseline ({@code mesh-bench/socketio/server.mjs}), so the generator that drives
 * Mesh drives it too. It does what the official client does on the wire: answers Engine.IO pings,
 * connects the default namespace with its token, emits {@code subscribe} and {@code publish} with
 * acknowledgements, remembers the offset that connection-state recovery appends to every broadcast,
 * and after {@link #goAway()} reconnects with its {@code pid} and that offset.
 *
 * <p>It never reconnects by itself: the scenarios decide when a page comes back. Everything runs on
 * the page's own Vert.x context; the getters may be called from any thread.
 *
 * <p>Frames, each one Engine.IO packet (type digit) whose message packets ({@code 4}) carry one
 * Socket.IO packet (type digit, ack id digits, JSON): {@code 0{"sid":..,"pingInterval":..}} open,
 * {@code 2}/{@code 3} ping/pong, {@code 40{"token":..}} connect, {@code 40{"sid":..,"pid":..}}
 * connected, {@code 44{"message":..}} refused, {@code 42["event",{..},"<offset>"]} broadcast,
 * {@code 42<id>["publish",{..}]} emit with ack, {@code 43<id>[{..}]} ack, {@code 41} disconnect.
 */
public final class SocketIoPage implements LoadPage {

  /** Callbacks, all on the page's context. */
  public interface Listener {
    /**
     * The payload of an {@code event} broadcast; {@code receivedMicros} is the wall clock when its
     * frame arrived.
     */
    default void onEvent(SocketIoPage page, JsonObject event, long receivedMicros) {}

    /** Connected and (with a channel) subscribed, or recovered. */
    default void onReady(SocketIoPage page) {}

    /**
     * The connection closed: the close code, -1 without a close frame, -2 for {@link #goAway()}.
     */
    default void onClosed(SocketIoPage page, int code) {}
  }

  private static final Listener NO_LISTENER = new Listener() {};
  private static final String PATH = "/socket.io/?EIO=4&transport=websocket";
  private static final long CONNECT_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final Context context;
  private final WebSocketClient client;
  private final String userId;
  private final Supplier<String> token;
  private final Endpoint endpoint;
  private final String channel;
  private Listener listener = NO_LISTENER;

  private final Map<Long, Consumer<JsonArray>> acks = new HashMap<>();
  private final Map<Long, Promise<?>> ackPromises = new HashMap<>();

  /**
   * Broadcasts that arrived before the CONNECT reply (a recovery replays them first), with their
   * arrival time.
   */
  private final List<Buffered> early = new ArrayList<>();

  private final List<Integer> closeCodes = new ArrayList<>();

  private WebSocket socket;
  private int generation;
  private long nextAckId;
  private boolean connected;
  private boolean ready;
  private boolean stopped;
  private Promise<Boolean> attempt;
  private boolean resuming;
  private String sid;
  private String pid;
  private String offset;
  private long events;
  private long recoveries;
  private int connects;

  private record Buffered(JsonArray args, long receivedMicros) {}

  public SocketIoPage(
      Vertx vertx,
      WebSocketClient client,
      String userId,
      Supplier<String> token,
      Endpoint endpoint,
      String channel) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = client;
    this.userId = userId;
    this.token = token;
    this.endpoint = endpoint;
    this.channel = channel;
  }

  public SocketIoPage listener(Listener listener) {
    this.listener = listener;
    return this;
  }

  /** Connects a new session and subscribes the channel; fails if the server refuses the token. */
  @Override
  public Future<Void> start() {
    return open(false).mapEmpty();
  }

  /** Emits {@code publish}; completes with the server's acknowledgement {@code {channel, seq}}. */
  @Override
  public Future<JsonObject> publish(String channel, JsonObject data) {
    Promise<JsonObject> result = Promise.promise();
    context.runOnContext(
        v -> {
          synchronized (this) {
            if (!connected) {
              result.fail(new IllegalStateException("not connected"));
              return;
            }
            emit(
                new JsonArray()
                    .add("publish")
                    .add(new JsonObject().put("channel", channel).put("data", data)),
                result,
                args -> result.tryComplete(args.getJsonObject(0)));
          }
        });
    return result.future();
  }

  /**
   * Drops the TCP connection as a network failure would: no WebSocket close frame and no Socket.IO
   * disconnect, so the server keeps the session (rooms, missed broadcasts) for {@link #comeBack()}.
   * Completes once the socket closed.
   */
  public Future<Void> goAway() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          synchronized (this) {
            WebSocket old = socket;
            connectionLost(generation, -2);
            if (old == null) {
              done.complete();
            } else if (old instanceof WebSocketInternal internal) {
              // Vert.x has no public abort: close the Netty channel under the WebSocket (a FIN, no
              // close frame).
              Channel tcp = internal.channelHandlerContext().channel();
              tcp.close().addListener(f -> done.tryComplete());
            } else {
              old.close((short) 4000, "bench away").onComplete(r -> done.tryComplete());
            }
          }
        });
    return done.future();
  }

  /**
   * Reconnects after {@link #goAway()} with the session id ({@code pid}) and the last offset seen;
   * completes, once ready, with whether the server recovered the session. Missed broadcasts have
   * then been delivered to the listener. Without a recovery (no offset yet, session expired) the
   * page subscribes again as a new session.
   */
  public Future<Boolean> comeBack() {
    return open(true);
  }

  /** Sends a Socket.IO disconnect (the server forgets the session), then closes the WebSocket. */
  @Override
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          synchronized (this) {
            stopped = true;
            WebSocket ws = socket;
            if (ws != null && !ws.isClosed()) {
              if (connected) {
                ws.writeTextMessage("41");
              }
              ws.close((short) 1000, "bye").onComplete(r -> done.tryComplete());
              vertx.setTimer(1000, t -> done.tryComplete());
            } else {
              done.tryComplete();
            }
          }
        });
    return done.future();
  }

  private Future<Boolean> open(boolean resume) {
    Promise<Boolean> result = Promise.promise();
    context.runOnContext(
        v -> {
          synchronized (this) {
            if (stopped) {
              result.fail(new IllegalStateException("stopped"));
              return;
            }
            if (socket != null) {
              result.fail(new IllegalStateException("already connected"));
              return;
            }
            int gen = ++generation;
            attempt = result;
            resuming = resume;
            connected = false;
            ready = false;
            early.clear();
            long timer =
                vertx.setTimer(
                    CONNECT_TIMEOUT_MS,
                    t -> {
                      synchronized (this) {
                        if (gen == generation && !ready) {
                          fail(gen, "no Socket.IO connect within " + CONNECT_TIMEOUT_MS + " ms");
                        }
                      }
                    });
            result.future().onComplete(r -> vertx.cancelTimer(timer));
            WebSocketConnectOptions options =
                new WebSocketConnectOptions()
                    .setHost(endpoint.host())
                    .setPort(endpoint.port())
                    .setURI(PATH)
                    .setConnectTimeout(CONNECT_TIMEOUT_MS);
            client
                .connect(options)
                .onComplete(
                    ar -> {
                      synchronized (this) {
                        if (ar.failed()) {
                          if (gen == generation) {
                            attempt = null;
                            result.tryFail(ar.cause());
                          }
                          return;
                        }
                        WebSocket ws = ar.result();
                        if (gen != generation) {
                          ws.close();
                          return;
                        }
                        socket = ws;
                        ws.textMessageHandler(text -> onText(gen, text));
                        ws.closeHandler(
                            x -> {
                              synchronized (this) {
                                Short code = ws.closeStatusCode();
                                connectionLost(gen, code == null ? -1 : code);
                              }
                            });
                        ws.exceptionHandler(e -> {});
                      }
                    });
          }
        });
    return result.future();
  }

  private synchronized void onText(int gen, String text) {
    if (gen != generation || text.isEmpty()) {
      return;
    }
    long received = PageClient.nowMicros();
    switch (text.charAt(0)) {
      case '0' -> { // Engine.IO open: connect the default namespace with the token (and the session
        // to recover).
        JsonObject auth = new JsonObject().put("token", token.get());
        if (resuming && pid != null) {
          auth.put("pid", pid);
          if (offset != null) {
            auth.put("offset", offset);
          }
        }
        socket.writeTextMessage("40" + auth.encode());
      }
      case '2' -> socket.writeTextMessage("3" + text.substring(1)); // the server's heartbeat
      case '4' -> onPacket(gen, text.substring(1), received);
      default -> {
        // 1 close (the WebSocket close follows), 6 noop
      }
    }
  }

  /**
   * One Socket.IO packet: type digit, optional namespace {@code /nsp,}, optional ack id digits,
   * JSON.
   */
  private void onPacket(int gen, String packet, long received) {
    if (packet.isEmpty()) {
      return;
    }
    char type = packet.charAt(0);
    int i = 1;
    if (i < packet.length() && packet.charAt(i) == '/') {
      int comma = packet.indexOf(',', i);
      String nsp = comma < 0 ? packet.substring(i) : packet.substring(i, comma);
      if (!"/".equals(nsp)) {
        return; // only the default namespace is used
      }
      i = comma < 0 ? packet.length() : comma + 1;
    }
    long id = -1;
    while (i < packet.length() && packet.charAt(i) >= '0' && packet.charAt(i) <= '9') {
      id = (id < 0 ? 0 : id * 10) + (packet.charAt(i) - '0');
      i++;
    }
    String json = packet.substring(i);
    switch (type) {
      case '0' -> onConnect(gen, json.isEmpty() ? new JsonObject() : new JsonObject(json));
      case '1' -> { // the server disconnected the namespace: the session is over
        WebSocket ws = socket;
        connectionLost(gen, -1);
        if (ws != null) {
          ws.close();
        }
      }
      case '2' -> {
        JsonArray args = new JsonArray(json);
        if (connected) {
          deliver(args, received);
        } else {
          early.add(new Buffered(args, received));
        }
      }
      case '3' -> {
        Consumer<JsonArray> ack = acks.remove(id);
        ackPromises.remove(id);
        if (ack != null) {
          ack.accept(new JsonArray(json));
        }
      }
      case '4' ->
          fail(
              gen,
              "connect refused: "
                  + (json.startsWith("{") ? new JsonObject(json).getString("message") : json));
      default -> {
        // 5 and 6 (binary event and ack) are not used
      }
    }
  }

  private void onConnect(int gen, JsonObject data) {
    String newSid = data.getString("sid");
    String newPid = data.getString("pid");
    // The official client's rule (socket.io-client Socket#onconnect): recovered when the server
    // hands back the pid
    // it was given; a recovered session also keeps its sid, a new one gets fresh ids for both.
    boolean recovered =
        resuming && pid != null && pid.equals(newPid) && newSid != null && newSid.equals(sid);
    sid = newSid;
    pid = newPid;
    connected = true;
    connects++;
    if (recovered) {
      recoveries++;
    } else {
      offset = null; // offsets belong to the session they were seen in
    }
    for (Buffered b : early) {
      deliver(b.args(), b.receivedMicros());
    }
    early.clear();
    if (channel == null || recovered) {
      ready(recovered);
      return;
    }
    emit(
        new JsonArray().add("subscribe").add(channel),
        attempt,
        args -> {
          if (gen == generation) {
            ready(false);
          }
        });
  }

  private void ready(boolean recovered) {
    ready = true;
    Promise<Boolean> done = attempt;
    attempt = null;
    if (done != null) {
      done.tryComplete(recovered);
    }
    listener.onReady(this);
  }

  /** A broadcast: Socket.IO with recovery appends the offset as the last argument. */
  private void deliver(JsonArray args, long received) {
    if (args.size() >= 2 && args.getValue(args.size() - 1) instanceof String last) {
      offset = last;
    }
    if ("event".equals(args.getValue(0)) && args.getValue(1) instanceof JsonObject event) {
      events++;
      listener.onEvent(this, event, received);
    }
  }

  private void emit(JsonArray args, Promise<?> failOnLoss, Consumer<JsonArray> onAck) {
    long id = nextAckId++;
    acks.put(id, onAck);
    ackPromises.put(id, failOnLoss);
    socket.writeTextMessage("42" + id + args.encode());
  }

  /**
   * The attempt of generation {@code gen} failed before it was ready: report it and drop the
   * connection.
   */
  private void fail(int gen, String message) {
    if (attempt != null) {
      attempt.tryFail(new IllegalStateException(message + " (" + endpoint + ")"));
    }
    WebSocket ws = socket;
    connectionLost(gen, -1);
    if (ws != null) {
      ws.close();
    }
  }

  /**
   * The connection of generation {@code gen} is over: fail what waited on it, keep pid and offset
   * for a resume.
   */
  private void connectionLost(int gen, int code) {
    if (gen != generation || (socket == null && attempt == null)) {
      return;
    }
    generation++;
    boolean wasOpen = socket != null;
    socket = null;
    connected = false;
    ready = false;
    early.clear();
    acks.clear();
    List<Promise<?>> waiting = new ArrayList<>(ackPromises.values());
    ackPromises.clear();
    waiting.forEach(p -> p.tryFail("connection lost"));
    if (attempt != null) {
      attempt.tryFail(new IllegalStateException("connection lost before ready (" + endpoint + ")"));
      attempt = null;
    }
    if (wasOpen) {
      closeCodes.add(code);
      listener.onClosed(this, code);
    }
  }

  public String userId() {
    return userId;
  }

  public String channel() {
    return channel;
  }

  public synchronized boolean isReady() {
    return ready;
  }

  public synchronized boolean isConnected() {
    return connected;
  }

  /** The Socket.IO socket id (kept across a recovery). */
  public synchronized String sid() {
    return sid;
  }

  /** The private session id a recovery presents. */
  public synchronized String pid() {
    return pid;
  }

  /** The offset of the last broadcast received, null before the first. */
  public synchronized String lastOffset() {
    return offset;
  }

  public synchronized long events() {
    return events;
  }

  public synchronized long recoveries() {
    return recoveries;
  }

  public synchronized int connects() {
    return connects;
  }

  public synchronized List<Integer> closeCodes() {
    return List.copyOf(closeCodes);
  }
}
