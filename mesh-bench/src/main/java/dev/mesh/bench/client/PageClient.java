package dev.mesh.bench.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
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
 * One simulated browser page speaking Mesh's WebSocket protocol (docs/PROTOCOL.md sections 3-6): it
 * connects with a bearer token to one of several nodes, subscribes, publishes with retries under
 * the same message id until {@code published}, pings, reconnects to the next node as the browser
 * client does ({@link ClientPolicy}: jittered backoff, the server's retry-after hint when a close
 * carries one, giving up after the policy's attempts), and resumes every channel from the last
 * {@code (epoch, seq)} it saw. Everything runs on the client's own Vert.x context; the getters may
 * be called from any thread.
 */
public final class PageClient implements LoadPage {

  /** Callbacks, all on the client's context. */
  public interface Listener {
    /**
     * An {@code event} frame, first copy only; {@code receivedMicros} is the wall clock at arrival.
     */
    default void onEvent(PageClient client, JsonObject frame, long receivedMicros) {}

    /** Every channel is subscribed on the current connection. */
    default void onReady(PageClient client) {}

    /** A connection attempt starts. */
    default void onAttempt(PageClient client) {}

    /**
     * The connection closed ({@code code} -1 when no close frame, 4000 when the client declared it
     * dead).
     */
    default void onClosed(PageClient client, int code) {}

    /**
     * A {@code welcome} arrived: the server admitted the connection (its subscriptions may still be
     * resuming).
     */
    default void onWelcome(PageClient client) {}

    /**
     * The next attempt is scheduled {@code delayMillis} after a close with {@code code}; {@code
     * hinted} when the delay is the server's retry-after hint rather than the client's own backoff.
     */
    default void onRetryScheduled(PageClient client, int code, long delayMillis, boolean hinted) {}

    /**
     * The page stopped reconnecting: {@link ClientPolicy#maxAttempts()} attempts in a row failed.
     */
    default void onGaveUp(PageClient client) {}
  }

  /** Close code of a close the client did not see (no close frame: connection refused or reset). */
  public static final int NO_CLOSE_FRAME = -1;

  /** Close code of a drop asked for by the bench ({@link #dropAndResume()}, {@link #goAway()}). */
  public static final int BENCH_DROP = -2;

  /** Close code of an attempt not welcomed within {@link ClientPolicy#connectTimeout()}. */
  public static final int CONNECT_TIMEOUT = -3;

  private static final java.util.regex.Pattern RETRY_AFTER =
      java.util.regex.Pattern.compile("retry-after=(\\d+)");

  private final Vertx vertx;
  private final Context context;
  private final WebSocketClient client;
  private final String userId;
  private final String query;
  private final Supplier<String> token;
  private final List<Endpoint> endpoints;
  private final ClientPolicy policy;
  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Listener listener =
      new Listener() {
        @Override
        public void onEvent(PageClient client, JsonObject frame, long receivedMicros) {
          listeners.forEach(l -> l.onEvent(client, frame, receivedMicros));
        }

        @Override
        public void onReady(PageClient client) {
          listeners.forEach(l -> l.onReady(client));
        }

        @Override
        public void onAttempt(PageClient client) {
          listeners.forEach(l -> l.onAttempt(client));
        }

        @Override
        public void onClosed(PageClient client, int code) {
          listeners.forEach(l -> l.onClosed(client, code));
        }

        @Override
        public void onWelcome(PageClient client) {
          listeners.forEach(l -> l.onWelcome(client));
        }

        @Override
        public void onRetryScheduled(
            PageClient client, int code, long delayMillis, boolean hinted) {
          listeners.forEach(l -> l.onRetryScheduled(client, code, delayMillis, hinted));
        }

        @Override
        public void onGaveUp(PageClient client) {
          listeners.forEach(l -> l.onGaveUp(client));
        }
      };

  private final Map<String, ChannelLedger> channels = new LinkedHashMap<>();
  private final Map<String, String> subscribeIds = new HashMap<>();
  private final Map<String, Long> subscribeSentMicros = new HashMap<>();
  private final Map<String, Publish> pending = new LinkedHashMap<>();
  private final List<Integer> closeCodes = new ArrayList<>();
  private final Promise<Void> firstReady = Promise.promise();

  private WebSocket socket;
  private int generation;
  private int endpointIndex;
  private final int firstEndpointIndex;
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
  private long eventBatches;
  private long acked;
  private long duplicateAcks;
  private long publishRetries;
  private long readyAtNanos;
  private long welcomedAtNanos;

  /** Wall-clock microseconds of every welcome and every moment the page became ready, in order. */
  private final List<Long> welcomeTimes = new ArrayList<>();

  /** Wall-clock microseconds of every connection attempt, in order. */
  private final List<Long> attemptTimes = new ArrayList<>();

  private final List<Long> readyTimes = new ArrayList<>();

  /** The retry-after hint of the current connection's {@code goodbye}, -1 when none. */
  private long goodbyeHintMillis = -1;

  private boolean gaveUp;
  private String connectionId;
  private String nodeId;
  private Endpoint currentEndpoint;
  private int sequence;

  /** First delay before a publish the server answered with an error is sent again. */
  static final long PUBLISH_RETRY_FIRST_MILLIS = 250;

  /** Largest delay (before jitter) between two sends of the same publish. */
  static final long PUBLISH_RETRY_CAP_MILLIS = 4_000;

  private static final int NO_RETRY = Integer.MIN_VALUE;

  /**
   * A publish not yet acknowledged; {@code retries} counts the errors it got (its backoff), {@code
   * retryGeneration} is the connection generation a resend is waiting for ({@link #NO_RETRY} when
   * none): one resend at a time per connection.
   */
  private static final class Publish {
    private final JsonObject frame;
    private final Promise<JsonObject> result;
    private int retries;
    private int retryGeneration = NO_RETRY;

    Publish(JsonObject frame, Promise<JsonObject> result) {
      this.frame = frame;
      this.result = result;
    }

    JsonObject frame() {
      return frame;
    }

    Promise<JsonObject> result() {
      return result;
    }
  }

  public PageClient(
      Vertx vertx,
      WebSocketClient client,
      String userId,
      String sessionId,
      String tabId,
      String pageId,
      Supplier<String> token,
      List<Endpoint> endpoints,
      int firstEndpoint,
      ClientPolicy policy) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = client;
    this.userId = userId;
    this.query = "session=" + sessionId + "&tab=" + tabId + "&page=" + pageId;
    this.token = token;
    this.endpoints = List.copyOf(endpoints);
    this.endpointIndex = Math.floorMod(firstEndpoint, endpoints.size());
    this.firstEndpointIndex = endpointIndex;
    this.policy = policy;
  }

  /** Adds a listener (every added listener hears every callback, in the order added). */
  public PageClient listener(Listener listener) {
    listeners.add(listener);
    return this;
  }

  /** Subscribes to {@code channel} now and on every reconnect (resuming from the last position). */
  public PageClient subscribe(String channel) {
    context.runOnContext(
        v -> {
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

  /**
   * Connects; the future completes when the first connection is welcomed and every channel
   * subscribed.
   */
  @Override
  public Future<Void> start() {
    context.runOnContext(v -> connect());
    return firstReady.future();
  }

  /**
   * Publishes {@code data} with a fresh 128-bit message id; completes with the {@code published}
   * frame once the server acknowledged it, retrying across errors and reconnects with the same id.
   */
  @Override
  public Future<JsonObject> publish(String channel, JsonObject data) {
    Promise<JsonObject> result = Promise.promise();
    context.runOnContext(
        v -> {
          synchronized (this) {
            String id = newId();
            JsonObject frame =
                new JsonObject()
                    .put("type", "publish")
                    .put("id", id)
                    .put("channel", channel)
                    .put("data", data);
            pending.put(id, new Publish(frame, result));
            if (connected) {
              send(frame);
            }
          }
        });
    return result.future();
  }

  /**
   * Drops the current connection as a network failure would (close code 4000 from the client) and
   * resumes.
   */
  public void dropAndResume() {
    context.runOnContext(
        v -> {
          synchronized (this) {
            if (socket != null && connected) {
              WebSocket old = socket;
              connectionLost(generation, BENCH_DROP, null);
              old.close((short) 4000, "bench drop");
            }
          }
        });
  }

  /**
   * Drops the connection (close 4000, as a network failure) and stays away until {@link
   * #comeBack()}.
   */
  public void goAway() {
    context.runOnContext(
        v -> {
          synchronized (this) {
            held = true;
            if (socket != null) {
              WebSocket old = socket;
              connectionLost(generation, BENCH_DROP, null);
              old.close((short) 4000, "bench away");
            }
          }
        });
  }

  /** Reconnects after {@link #goAway()}, resuming every channel; completes when ready again. */
  public Future<Void> comeBack() {
    Promise<Void> ready = Promise.promise();
    context.runOnContext(
        v -> {
          synchronized (this) {
            held = false;
            nextReady = ready;
          }
          connect();
        });
    return ready.future();
  }

  /** Closes for good (1000, as a page that goes away). */
  @Override
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
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
      attemptTimes.add(nowMicros());
      connected = false;
      ready = false;
      goodbyeHintMillis = -1;
    }
    listener.onAttempt(this);
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost(endpoint.host())
            .setPort(endpoint.port())
            .setURI("/ws?" + query)
            .addHeader("Authorization", "Bearer " + token.get())
            .setConnectTimeout(policy.connectTimeout().toMillis());
    long timeout =
        vertx.setTimer(
            policy.connectTimeout().toMillis(),
            t -> {
              synchronized (this) {
                if (gen == generation && !connected) {
                  // As mesh-client abandons a connection without welcome: 4000, never 1000, which
                  // tells the server the page
                  // left for good (its user reads offline at once instead of after the grace).
                  if (socket != null) {
                    socket.close((short) 4000, "connect-timeout");
                  }
                  connectionLost(gen, CONNECT_TIMEOUT, null);
                }
              }
            });
    client
        .connect(options)
        .onComplete(
            ar -> {
              synchronized (this) {
                if (gen != generation) {
                  if (ar.succeeded()) {
                    ar.result().close((short) 4000, "connect-timeout");
                  }
                  return;
                }
                if (ar.failed()) {
                  vertx.cancelTimer(timeout);
                  connectionLost(gen, NO_CLOSE_FRAME, null);
                  return;
                }
                WebSocket ws = ar.result();
                socket = ws;
                lastInboundNanos = System.nanoTime();
                ws.textMessageHandler(text -> onText(gen, text, timeout));
                ws.pongHandler(b -> lastInboundNanos = System.nanoTime());
                ws.closeHandler(
                    x -> {
                      synchronized (this) {
                        vertx.cancelTimer(timeout);
                        Short code = ws.closeStatusCode();
                        connectionLost(gen, code == null ? NO_CLOSE_FRAME : code, ws.closeReason());
                      }
                    });
                ws.exceptionHandler(e -> {});
              }
            });
  }

  private synchronized void onText(int gen, String text, long connectTimer) {
    if (gen != generation) {
      return;
    }
    lastInboundNanos = System.nanoTime();
    // Taken on arrival, before parsing, as SocketIoPage does: latency figures compare servers, not
    // client parsers.
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
        welcomeTimes.add(arrivedMicros);
        vertx.cancelTimer(connectTimer);
        connected = true;
        welcomes++;
        connectionId = frame.getString("connectionId");
        nodeId = frame.getString("nodeId");
        startHeartbeat(gen);
        if (!policy.healthyAfter().isZero()) {
          // mesh-client.js: the attempt counter starts again only once a connection has stayed up a
          // while, so a
          // node that welcomes and drops at once does not get a fresh 1 s retry each time.
          vertx.setTimer(
              policy.healthyAfter().toMillis(),
              t -> {
                synchronized (this) {
                  if (gen == generation && connected) {
                    attempt = 0;
                  }
                }
              });
        }
        listener.onWelcome(this);
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
          ledger.reset(
              position.getString("epoch"), position.getLong("seq"), frame.getString("reason"));
        }
      }
      case "event" -> event(frame, arrivedMicros);
      case "events" -> {
        // A history batch (PROTOCOL 6.2): each item is the event frame it stands for, handled in
        // order.
        eventBatches++;
        if (frame.getValue("events") instanceof JsonArray items) {
          for (Object item : items) {
            if (item instanceof JsonObject single) {
              // Completed in place, not copied: the batch is this page's own parse, read only here.
              event(
                  single
                      .put("type", "event")
                      .put("channel", frame.getString("channel"))
                      .put("epoch", frame.getString("epoch")),
                  arrivedMicros);
            }
          }
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
      case "goodbye" -> {
        Object hint = frame.getValue("retryAfterMs");
        goodbyeHintMillis = hint instanceof Number n ? n.longValue() : -1;
      }
      default -> {
        // pong, presence: nothing to do
      }
    }
  }

  private void event(JsonObject frame, long arrivedMicros) {
    ChannelLedger ledger = channels.get(frame.getString("channel"));
    Object seq = frame.getValue("seq");
    if (ledger != null
        && seq instanceof Number n
        && ledger.event(frame.getString("epoch"), n.longValue(), arrivedMicros)) {
      listener.onEvent(this, frame, arrivedMicros);
    }
  }

  private void onError(JsonObject frame) {
    String id = frame.getString("id");
    long delay = frame.getLong("retryAfterMs", 250L);
    Publish publish = id == null ? null : pending.get(id);
    if (publish != null) {
      // Any error (unavailable while a service is down, rate-limited...): back off per publish, so
      // that many pending publishes retried through an outage do not add up past the rate limit.
      int gen = generation;
      if (publish.retryGeneration == gen) {
        return;
      }
      publishRetries++;
      publish.retries++;
      publish.retryGeneration = gen;
      vertx.setTimer(
          publishRetryDelayMillis(
              publish.retries,
              frame.getLong("retryAfterMs", 0L),
              ThreadLocalRandom.current().nextDouble()),
          t -> {
            synchronized (this) {
              if (publish.retryGeneration == gen) {
                publish.retryGeneration = NO_RETRY;
              }
              if (pending.get(id) == publish && connected && gen == generation) {
                send(publish.frame());
              }
            }
          });
    } else if (id != null && subscribeIds.containsKey(id)) {
      String channel = subscribeIds.remove(id);
      int gen = generation;
      vertx.setTimer(
          Math.max(1, delay),
          t -> {
            synchronized (this) {
              if (connected && gen == generation) {
                sendSubscribe(channels.get(channel));
              }
            }
          });
    }
  }

  /**
   * Delay before sending a publish again after its {@code retry}-th error (1-based): exponential
   * backoff from {@link #PUBLISH_RETRY_FIRST_MILLIS}, doubling up to {@link
   * #PUBLISH_RETRY_CAP_MILLIS}, jittered U(0.8, 1.2) so that publishes failed together do not retry
   * together; the server's {@code retryAfterMs} {@code hint} (0 when none) when that is longer.
   * {@code random} in [0, 1).
   */
  static long publishRetryDelayMillis(int retry, long hint, double random) {
    long backoff =
        Math.min(
            PUBLISH_RETRY_CAP_MILLIS,
            PUBLISH_RETRY_FIRST_MILLIS << Math.min(Math.max(retry, 1) - 1, 16));
    return Math.max(Math.max(1, hint), Math.round(backoff * (0.8 + 0.4 * random)));
  }

  private void checkReady() {
    if (!ready && connected && channels.values().stream().allMatch(ChannelLedger::isSubscribed)) {
      ready = true;
      if (policy.healthyAfter().isZero()) {
        attempt = 0;
      }
      readyAtNanos = System.nanoTime();
      readyTimes.add(nowMicros());
      firstReady.tryComplete();
      if (nextReady != null) {
        nextReady.tryComplete();
        nextReady = null;
      }
      listener.onReady(this);
    }
  }

  private void sendSubscribe(ChannelLedger ledger) {
    String id = "s" + ++sequence;
    subscribeIds.put(id, ledger.channel());
    synchronized (this) {
      subscribeSentMicros.put(ledger.channel(), nowMicros());
    }
    JsonObject frame =
        new JsonObject().put("type", "subscribe").put("id", id).put("channel", ledger.channel());
    if (ledger.epoch() != null && ledger.last() >= 0) {
      frame.put(
          "position", new JsonObject().put("epoch", ledger.epoch()).put("seq", ledger.last()));
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
    heartbeatTimer =
        vertx.setPeriodic(
            interval,
            t -> {
              synchronized (this) {
                if (gen != generation) {
                  vertx.cancelTimer(t);
                  return;
                }
                if (System.nanoTime() - lastInboundNanos > deadAfter) {
                  heartbeatDeaths++;
                  WebSocket dead = socket;
                  // The page's own detection, made at its own heartbeat phase: not spread
                  // (mesh-client's `spread: false`).
                  connectionLost(gen, 4000, null, false);
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

  private void connectionLost(int gen, int code, String reason) {
    connectionLost(gen, code, reason, true);
  }

  /**
   * The connection of generation {@code gen} is over: schedule the next attempt on the next
   * endpoint, at once after 4001 (rotated) and 4003 (token expired), otherwise after {@link
   * ClientPolicy#reconnectDelayMillis}: the server's hint ({@code goodbye.retryAfterMs}, or a close
   * reason {@code retry-after=<ms>}, PROTOCOL 5.2) plus its jitter when there is one, the
   * first-retry spread after a close seen on the network ({@code spread}), else the backoff.
   */
  private void connectionLost(int gen, int code, String reason, boolean spread) {
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
    // A deferral at admission (4006) is the server asking the page to come back later, not a lost
    // connection: even a page that never reconnects follows it, as mesh-client's connect does, or
    // a steady-state measurement would wait for a page that never tries again.
    boolean deferred = code == 4006;
    if (stopped || held || (!policy.reconnect() && !deferred) || terminal) {
      return;
    }
    // A deferral at admission (4006) is the server's answer, not a failed attempt: as in
    // mesh-client, it neither counts
    // towards maxAttempts nor advances the backoff.
    boolean counts = code != 4006;
    if (counts) {
      attempt++;
    }
    if (counts && policy.maxAttempts() > 0 && attempt > policy.maxAttempts()) {
      gaveUp = true;
      listener.onGaveUp(this);
      return;
    }
    endpointIndex = (endpointIndex + 1) % endpoints.size();
    long hint = retryHint(reason);
    boolean hinted = hint >= 0 && code != BENCH_DROP;
    long delay;
    if (code == BENCH_DROP || code == 4001 || code == 4003) {
      delay = 0;
    } else {
      delay =
          policy.reconnectDelayMillis(
              Math.max(1, attempt),
              hinted ? hint : -1,
              spread,
              ThreadLocalRandom.current().nextDouble());
    }
    listener.onRetryScheduled(this, code, delay, hinted);
    vertx.setTimer(Math.max(1, delay), t -> connect());
  }

  /** The retry-after hint of the connection that just closed, in milliseconds, or -1. */
  private long retryHint(String closeReason) {
    if (goodbyeHintMillis >= 0) {
      return goodbyeHintMillis;
    }
    if (closeReason != null) {
      java.util.regex.Matcher m = RETRY_AFTER.matcher(closeReason);
      if (m.matches()) {
        return Long.parseLong(m.group(1));
      }
    }
    return -1;
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

  /**
   * When the last {@code welcome} arrived (the connection is open; its subscriptions may still be
   * resuming).
   */
  /** Wall clock (µs) of the last {@code subscribe} sent for {@code channel}; -1: none yet. */
  public synchronized long subscribeSentMicros(String channel) {
    return subscribeSentMicros.getOrDefault(channel, -1L);
  }

  public synchronized long welcomedAtNanos() {
    return welcomedAtNanos;
  }

  public synchronized int attempts() {
    return attempts;
  }

  /** Wall-clock microseconds of every connection attempt this page made, oldest first. */
  public synchronized List<Long> attemptTimesMicros() {
    return List.copyOf(attemptTimes);
  }

  /** Wall-clock microseconds of every {@code welcome} this page received, oldest first. */
  public synchronized List<Long> welcomeTimesMicros() {
    return List.copyOf(welcomeTimes);
  }

  /**
   * Wall-clock microseconds of every moment this page became ready (all channels subscribed),
   * oldest first.
   */
  public synchronized List<Long> readyTimesMicros() {
    return List.copyOf(readyTimes);
  }

  /**
   * Whether the page stopped reconnecting after {@link ClientPolicy#maxAttempts()} failed attempts
   * in a row.
   */
  public synchronized boolean gaveUp() {
    return gaveUp;
  }

  /** The first endpoint this page connected to. */
  public Endpoint firstEndpoint() {
    return endpoints.get(Math.floorMod(firstEndpointIndex, endpoints.size()));
  }

  public synchronized int welcomes() {
    return welcomes;
  }

  /** {@code events} frames (history batches) received, over every connection. */
  public synchronized long eventBatches() {
    return eventBatches;
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
  public synchronized <T> T ledger(
      String channel, java.util.function.Function<ChannelLedger, T> reader) {
    ChannelLedger ledger = channels.get(channel);
    return ledger == null ? null : reader.apply(ledger);
  }
}
