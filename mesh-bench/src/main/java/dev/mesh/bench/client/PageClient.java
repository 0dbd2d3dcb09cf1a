package dev.mesh.bench.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * One simulated browser page speaking Mesh's WebSocket protocol (docs/PROTOCOL.md sections 3-6): it connects with a
 * bearer token to one of several nodes, subscribes, publishes with retries under the same message id until
 * {@code published}, pings, reconnects with jittered backoff to the next node, and resumes every channel from the
 * last {@code (epoch, seq)} it saw. Everything runs on the client's own Vert.x context; the getters may be called
 * from any thread.
 */
public final class PageClient implements LoadPage {

  /** Callbacks, all on the client's context. */
  public interface Listener {
    /** An {@code event} frame, first copy only; {@code receivedMicros} is the wall clock at arrival. */
    default void onEvent(PageClient client, JsonObject frame, long receivedMicros) {
    }

    /** Every channel is subscribed on the current connection. */
    default void onReady(PageClient client) {
    }

    /** A connection attempt starts. */
    default void onAttempt(PageClient client) {
    }

    /** The connection closed ({@code code} -1 when no close frame, 4000 when the client declared it dead). */
    default void onClosed(PageClient client, int code) {
    }
  }

  private static final Listener NO_LISTENER = new Listener() {
  };

  private final Vertx vertx;
  private final Context context;
  private final WebSocketClient client;
  private final String userId;
  private final String query;
  private final Supplier<String> token;
  private final List<Endpoint> endpoints;
  private final ClientPolicy policy;
  private Listener listener = NO_LISTENER;

  private final Map<String, ChannelLedger> channels = new LinkedHashMap<>();
  private final Map<String, String> subscribeIds = new HashMap<>();
  private final Map<String, Publish> pending = new LinkedHashMap<>();
  private final List<Integer> closeCodes = new ArrayList<>();
  private final Promise<Void> firstReady = Promise.promise();

  private WebSocket socket;
  private int generation;
  private int endpointIndex;
  private boolean stopped;
  private boolean held;
  private Promise<Void> nextReady;
  private boolean connected;
  private boolean ready;
  private long lastInboundNanos;
  private long heartbeatTimer = -1;
  private int attempt;
  private int attempts;
  private int welcomes;
  private int heartbeatDeaths;
  private long acked;
  private long duplicateAcks;
  private long publishRetries;
  private long readyAtNanos;
  private long welcomedAtNanos;
  private String connectionId;
  private String nodeId;
  private Endpoint currentEndpoint;
  private int sequence;

  private record Publish(JsonObject frame, Promise<JsonObject> result) {
  }

  public PageClient(Vertx vertx, WebSocketClient client, String userId, String sessionId, String tabId, String pageId,
                    Supplier<String> token, List<Endpoint> endpoints, int firstEndpoint, ClientPolicy policy) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = client;
    this.userId = userId;
    this.query = "session=" + sessionId + "&tab=" + tabId + "&page=" + pageId;
    this.token = token;
    this.endpoints = List.copyOf(endpoints);
    this.endpointIndex = Math.floorMod(firstEndpoint, endpoints.size());
    this.policy = policy;
  }

  public PageClient listener(Listener listener) {
    this.listener = listener;
    return this;
  }

  /** Subscribes to {@code channel} now and on every reconnect (resuming from the last position). */
  public PageClient subscribe(String channel) {
    context.runOnContext(v -> {
      synchronized (this) {
        channels.computeIfAbsent(channel, ChannelLedger::new);
        ready = false;
        if (connected) {
          sendSubscribe(channels.get(channel));
        }
      }
    });
    return this;
  }

  /** Connects; the future completes when the first connection is welcomed and every channel subscribed. */
  public Future<Void> start() {
    context.runOnContext(v -> connect());
    return firstReady.future();
  }

  /**
   * Publishes {@code data} with a fresh 128-bit message id; completes with the {@code published} frame once the server
   * acknowledged it, retrying across errors and reconnects with the same id.
   */
  public Future<JsonObject> publish(String channel, JsonObject data) {
    Promise<JsonObject> result = Promise.promise();
    context.runOnContext(v -> {
      synchronized (this) {
        String id = newId();
        JsonObject frame = new JsonObject().put("type", "publish").put("id", id).put("channel", channel).put("data", data);
        pending.put(id, new Publish(frame, result));
        if (connected) {
          send(frame);
        }
      }
    });
    return result.future();
  }

  /** Drops the current connection as a network failure would (close code 4000 from the client) and resumes. */
  public void dropAndResume() {
    context.runOnContext(v -> {
      synchronized (this) {
        if (socket != null && connected) {
          WebSocket old = socket;
          connectionLost(generation, -2);
          old.close((short) 4000, "bench drop");
        }
      }
    });
  }

  /** Drops the connection (close 4000, as a network failure) and stays away until {@link #comeBack()}. */
  public void goAway() {
    context.runOnContext(v -> {
      synchronized (this) {
        held = true;
        if (socket != null) {
          WebSocket old = socket;
          connectionLost(generation, -2);
          old.close((short) 4000, "bench away");
        }
      }
    });
  }

  /** Reconnects after {@link #goAway()}, resuming every channel; completes when ready again. */
  public Future<Void> comeBack() {
    Promise<Void> ready = Promise.promise();
    context.runOnContext(v -> {
      synchronized (this) {
        held = false;
        nextReady = ready;
      }
      connect();
    });
    return ready.future();
  }

  /** Closes for good (1000, as a page that goes away). */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      synchronized (this) {
        stopped = true;
        cancelHeartbeat();
        if (socket != null && !socket.isClosed()) {
          socket.close((short) 1000, "bye").onComplete(r -> done.tryComplete());
          vertx.setTimer(1000, t -> done.tryComplete());
        } else {
          done.tryComplete();
        }
      }
    });
    return done.future();
  }

  private void connect() {
    int gen;
    Endpoint endpoint;
    synchronized (this) {
      if (stopped) {
        return;
      }
      gen = ++generation;
      endpoint = endpoints.get(endpointIndex);
      currentEndpoint = endpoint;
      attempts++;
      connected = false;
      ready = false;
    }
    listener.onAttempt(this);
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(endpoint.host()).setPort(endpoint.port())
        .setURI("/ws?" + query).addHeader("Authorization", "Bearer " + token.get())
        .setConnectTimeout(policy.connectTimeout().toMillis());
    long timeout = vertx.setTimer(policy.connectTimeout().toMillis(), t -> {
      synchronized (this) {
        if (gen == generation && !connected) {
          if (socket != null) {
            socket.close();
          }
          connectionLost(gen, -3);
        }
      }
    });
    client.connect(options).onComplete(ar -> {
      synchronized (this) {
        if (gen != generation) {
          if (ar.succeeded()) {
            ar.result().close();
          }
          return;
        }
        if (ar.failed()) {
          vertx.cancelTimer(timeout);
          connectionLost(gen, -1);
          return;
        }
        WebSocket ws = ar.result();
        socket = ws;
        lastInboundNanos = System.nanoTime();
        ws.textMessageHandler(text -> onText(gen, text, timeout));
        ws.pongHandler(b -> lastInboundNanos = System.nanoTime());
        ws.closeHandler(x -> {
          synchronized (this) {
            vertx.cancelTimer(timeout);
            Short code = ws.closeStatusCode();
            connectionLost(gen, code == null ? -1 : code);
          }
        });
        ws.exceptionHandler(e -> {
        });
      }
    });
  }

  private synchronized void onText(int gen, String text, long connectTimer) {
    if (gen != generation) {
      return;
    }
    lastInboundNanos = System.nanoTime();
    // Taken on arrival, before parsing, as SocketIoPage does: latency figures compare servers, not client parsers.
    long arrivedMicros = nowMicros();
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      return;
    }
    switch (frame.getString("type", "")) {
      case "welcome" -> {
        welcomedAtNanos = System.nanoTime();
        vertx.cancelTimer(connectTimer);
        connected = true;
        welcomes++;
        connectionId = frame.getString("connectionId");
        nodeId = frame.getString("nodeId");
        startHeartbeat(gen);
        channels.values().forEach(this::sendSubscribe);
        pending.values().forEach(p -> send(p.frame()));
        checkReady();
      }
      case "subscribed" -> {
        ChannelLedger ledger = channels.get(frame.getString("channel"));
        JsonObject position = frame.getJsonObject("position");
        if (ledger != null && position != null) {
          ledger.subscribed(position.getString("epoch"), position.getLong("seq"));
          subscribeIds.remove(frame.getString("id"));
          checkReady();
        }
      }
      case "reset" -> {
        ChannelLedger ledger = channels.get(frame.getString("channel"));
        JsonObject position = frame.getJsonObject("position");
        if (ledger != null && position != null) {
          ledger.reset(position.getString("epoch"), position.getLong("seq"));
        }
      }
      case "event" -> {
        ChannelLedger ledger = channels.get(frame.getString("channel"));
        if (ledger != null && ledger.event(frame.getString("epoch"), frame.getLong("seq"))) {
          listener.onEvent(this, frame, arrivedMicros);
        }
      }
      case "published" -> {
        Publish publish = pending.remove(frame.getString("id"));
        if (publish != null) {
          acked++;
          if (frame.getBoolean("duplicate", false)) {
            duplicateAcks++;
          }
          publish.result().tryComplete(frame);
        }
      }
      case "error" -> onError(frame);
      case "gap" -> {
        ChannelLedger ledger = channels.get(frame.getString("channel"));
        if (ledger != null) {
          ledger.gap(frame.getLong("dropped", 0L));
        }
      }
      default -> {
        // pong, goodbye (the close code that follows decides), presence, gap: nothing to do
      }
    }
  }

  private void onError(JsonObject frame) {
    String id = frame.getString("id");
    long delay = frame.getLong("retryAfterMs", 250L);
    if (id != null && pending.containsKey(id)) {
      publishRetries++;
      int gen = generation;
      vertx.setTimer(Math.max(1, delay), t -> {
        synchronized (this) {
          Publish p = pending.get(id);
          if (p != null && connected && gen == generation) {
            send(p.frame());
          }
        }
      });
    } else if (id != null && subscribeIds.containsKey(id)) {
      String channel = subscribeIds.remove(id);
      int gen = generation;
      vertx.setTimer(Math.max(1, delay), t -> {
        synchronized (this) {
          if (connected && gen == generation) {
            sendSubscribe(channels.get(channel));
          }
        }
      });
    }
  }

  private void checkReady() {
    if (!ready && connected && channels.values().stream().allMatch(ChannelLedger::isSubscribed)) {
      ready = true;
      attempt = 0;
      readyAtNanos = System.nanoTime();
      firstReady.tryComplete();
      if (nextReady != null) {
        nextReady.tryComplete();
        nextReady = null;
      }
      listener.onReady(this);
    }
  }

  private void sendSubscribe(ChannelLedger ledger) {
    String id = "s" + (++sequence);
    subscribeIds.put(id, ledger.channel());
    JsonObject frame = new JsonObject().put("type", "subscribe").put("id", id).put("channel", ledger.channel());
    if (ledger.epoch() != null && ledger.last() >= 0) {
      frame.put("position", new JsonObject().put("epoch", ledger.epoch()).put("seq", ledger.last()));
    }
    send(frame);
  }

  private void send(JsonObject frame) {
    if (socket != null && !socket.isClosed()) {
      socket.writeTextMessage(frame.encode());
    }
  }

  private void startHeartbeat(int gen) {
    cancelHeartbeat();
    if (policy.pingInterval().isZero()) {
      return;
    }
    long interval = policy.pingInterval().toMillis();
    long deadAfter = (interval + policy.pongTimeout().toMillis()) * 1_000_000L;
    heartbeatTimer = vertx.setPeriodic(interval, t -> {
      synchronized (this) {
        if (gen != generation) {
          vertx.cancelTimer(t);
          return;
        }
        if (System.nanoTime() - lastInboundNanos > deadAfter) {
          heartbeatDeaths++;
          WebSocket dead = socket;
          connectionLost(gen, 4000);
          if (dead != null) {
            dead.close((short) 4000, "heartbeat");
          }
        } else {
          send(new JsonObject().put("type", "ping"));
        }
      }
    });
  }

  private void cancelHeartbeat() {
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
  }

  /** The connection of generation {@code gen} is over: schedule the next attempt on the next endpoint. */
  private void connectionLost(int gen, int code) {
    if (gen != generation) {
      return;
    }
    generation++;
    boolean wasConnected = connected;
    connected = false;
    ready = false;
    cancelHeartbeat();
    channels.values().forEach(ChannelLedger::unsubscribedByClose);
    subscribeIds.clear();
    if (code != -1 || wasConnected) {
      closeCodes.add(code);
    }
    listener.onClosed(this, code);
    boolean terminal = code >= 4500 && code <= 4999;
    if (stopped || held || !policy.reconnect() || terminal) {
      return;
    }
    attempt++;
    endpointIndex = (endpointIndex + 1) % endpoints.size();
    long delay = code == -2 ? 0 : policy.delayMillis(attempt, ThreadLocalRandom.current().nextDouble());
    vertx.setTimer(Math.max(1, delay), t -> connect());
  }

  private static String newId() {
    byte[] bytes = new byte[16];
    ThreadLocalRandom.current().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Wall-clock microseconds, comparable across processes of this machine. */
  public static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  public String userId() {
    return userId;
  }

  public synchronized boolean isReady() {
    return ready;
  }

  public synchronized boolean isConnected() {
    return connected;
  }

  public synchronized String connectionId() {
    return connectionId;
  }

  public synchronized String nodeId() {
    return nodeId;
  }

  public synchronized Endpoint endpoint() {
    return currentEndpoint;
  }

  public synchronized long readyAtNanos() {
    return readyAtNanos;
  }

  /** When the last {@code welcome} arrived (the connection is open; its subscriptions may still be resuming). */
  public synchronized long welcomedAtNanos() {
    return welcomedAtNanos;
  }

  public synchronized int attempts() {
    return attempts;
  }

  public synchronized int welcomes() {
    return welcomes;
  }

  public synchronized int heartbeatDeaths() {
    return heartbeatDeaths;
  }

  public synchronized List<Integer> closeCodes() {
    return List.copyOf(closeCodes);
  }

  public synchronized int pendingPublishes() {
    return pending.size();
  }

  public synchronized long acked() {
    return acked;
  }

  public synchronized long duplicateAcks() {
    return duplicateAcks;
  }

  public synchronized long publishRetries() {
    return publishRetries;
  }

  /** Runs {@code reader} on this client's ledger of {@code channel} under its lock. */
  public synchronized <T> T ledger(String channel, java.util.function.Function<ChannelLedger, T> reader) {
    ChannelLedger ledger = channels.get(channel);
    return ledger == null ? null : reader.apply(ledger);
  }
}
