package dev.mesh.bench.load;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.LoadPage;
import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.client.SocketIoPage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * The simulated pages of one generator process, driven by commands: the same object serves the
 * generator's own process and each forked generator ({@link PageHostMain}), so a scenario runs the
 * same way on one process or on several. Pages are created in groups; page {@code i} of a group
 * (its index across every process) is user {@code <prefix>-<run>-<i>}, connects first to {@code
 * endpoints[i % size]} and binds to source address {@code 127.0.0.<2 + i % 8>} (each address has
 * its own ephemeral ports). When its node goes, a page tries the others in an order of its own
 * ({@link #endpointOrder}), so the pages of a lost node spread over the survivors as a load
 * balancer would spread them.
 *
 * <p>Commands are JSON objects with an {@code op}; {@link #handle} blocks until the answer is
 * ready. Times that cross processes are wall-clock microseconds ({@link PageClient#nowMicros()}).
 */
final class PageHost implements AutoCloseable {

  static final List<String> SOURCE_ADDRESSES =
      List.of(
          "127.0.0.2",
          "127.0.0.3",
          "127.0.0.4",
          "127.0.0.5",
          "127.0.0.6",
          "127.0.0.7",
          "127.0.0.8",
          "127.0.0.9");

  private final Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();
  private final BenchTokens tokens;
  private final String run;
  private final Map<String, Group> groups = new ConcurrentHashMap<>();
  private final Set<SocketIoPage> openSocketIo = ConcurrentHashMap.newKeySet();
  private final Set<PageClient> openMesh = ConcurrentHashMap.newKeySet();

  final AtomicLong received = new AtomicLong();
  final AtomicInteger errors = new AtomicInteger();

  /** The close codes counted in {@link #errors}, by code. */
  private final Map<Integer, AtomicInteger> errorCodes = new ConcurrentHashMap<>();

  final AtomicInteger open = new AtomicInteger();
  private final Latencies latencies = new Latencies();

  /**
   * Latencies of the events whose data carries a {@code via} tag, by tag: broadcasts of one
   * measurement that took different paths, interleaved event by event.
   */
  private final Map<String, Latencies> latenciesByPath = new ConcurrentHashMap<>();

  /** Per broadcast index ({@code data.i}): deliveries and the latest arrival's latency (µs). */
  private final Map<Integer, long[]> spread = new HashMap<>();

  /** The pages of one {@code create}. */
  private record Group(
      String name,
      String channel,
      int from,
      List<LoadPage> pages,
      List<Long> attempts,
      List<long[]> retries) {}

  PageHost(String run, String secret) {
    this.run = run;
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    for (String address : SOURCE_ADDRESSES) {
      clients.add(
          vertx.createWebSocketClient(
              new WebSocketClientOptions()
                  .setLocalAddress(address)
                  .setMaxConnections(1_000_000)
                  .setClosingTimeout(2)
                  .setConnectTimeout(20_000)));
    }
    tokens = new BenchTokens(vertx, secret);
  }

  Vertx vertx() {
    return vertx;
  }

  String userId(String prefix, int index) {
    return prefix + "-" + run + "-" + index;
  }

  /** Counters for the progress line. */
  JsonObject stats() {
    long batches = 0;
    for (Group g : groups.values()) {
      for (LoadPage page : g.pages()) {
        if (page instanceof PageClient mesh) {
          batches += mesh.eventBatches();
        }
      }
    }
    return new JsonObject()
        .put("open", open.get())
        .put("received", received.get())
        .put("errors", errors.get())
        .put("errorCodes", errorCodes())
        .put("eventBatches", batches);
  }

  private JsonObject errorCodes() {
    JsonObject codes = new JsonObject();
    errorCodes.forEach((code, count) -> codes.put(Integer.toString(code), count.get()));
    return codes;
  }

  /** Runs one command; blocks until its answer is ready. */
  JsonObject handle(JsonObject command) throws Exception {
    String op = command.getString("op");
    return switch (op) {
      case "create" -> create(command);
      case "start" -> start(command);
      case "stats" -> stats();
      case "mark" -> mark();
      case "latencies" -> latencies(command.getString("via"));
      case "spread" -> spread();
      case "readyCount" -> readyCount(command);
      case "missing" -> missing(command);
      case "ledgers" -> ledgers(command);
      case "storm" -> storm(command);
      case "goAway" -> goAway(command);
      case "comeBack" -> comeBack(command);
      case "stopGroup" -> stopGroup(command);
      case "stop" -> {
        stopPages();
        yield new JsonObject();
      }
      default -> throw new IllegalArgumentException("unknown page host command " + op);
    };
  }

  // ----------------------------------------------------------------------------------------------
  // pages

  private JsonObject create(JsonObject c) {
    String name = c.getString("group");
    String kind = c.getString("kind", "mesh");
    String prefix = c.getString("prefix");
    int from = c.getInteger("from");
    int count = c.getInteger("count");
    String channel = c.getString("channel");
    boolean userChannel = c.getBoolean("userChannel", false);
    List<Endpoint> endpoints = new ArrayList<>();
    for (Object e : c.getJsonArray("endpoints")) {
      JsonArray pair = (JsonArray) e;
      endpoints.add(new Endpoint(pair.getString(0), pair.getInteger(1)));
    }
    ClientPolicy policy = policyFromJson(c.getJsonObject("policy"));
    Group group =
        new Group(
            name,
            userChannel ? null : channel,
            from,
            new ArrayList<>(),
            new CopyOnWriteArrayList<>(),
            new CopyOnWriteArrayList<>());
    for (int i = from; i < from + count; i++) {
      String user = userId(prefix, i);
      String token = tokens.token(user);
      WebSocketClient client = clients.get(i % clients.size());
      if ("socketio".equals(kind)) {
        group.pages().add(socketIoPage(client, user, token, endpoints.get(0), channel));
      } else {
        PageClient page = meshPage(group, client, user, token, endpoints, i, policy);
        if (userChannel) {
          page.subscribe("user:" + user);
        } else if (channel != null) {
          page.subscribe(channel);
        }
        group.pages().add(page);
      }
    }
    if (groups.putIfAbsent(name, group) != null) {
      throw new IllegalArgumentException("group " + name + " exists");
    }
    return new JsonObject().put("created", count);
  }

  /**
   * The endpoints in the order page {@code index} tries them: {@code endpoints[index % k]} first,
   * then the others starting from a different one for consecutive pages of the same first node.
   * With two endpoints it is simply the other one.
   */
  static List<Endpoint> endpointOrder(List<Endpoint> endpoints, int index) {
    int k = endpoints.size();
    int first = index % k;
    List<Endpoint> order = new ArrayList<>(k);
    order.add(endpoints.get(first));
    int offset = k > 2 ? (index / k) % (k - 1) : 0;
    for (int j = 0; j < k - 1; j++) {
      order.add(endpoints.get((first + 1 + (offset + j) % (k - 1)) % k));
    }
    return order;
  }

  private PageClient meshPage(
      Group group,
      WebSocketClient client,
      String user,
      String token,
      List<Endpoint> endpoints,
      int index,
      ClientPolicy policy) {
    PageClient page =
        new PageClient(
            vertx,
            client,
            user,
            "s" + index,
            "t" + index,
            "p" + index,
            () -> token,
            endpointOrder(endpoints, index),
            0,
            policy);
    page.listener(
        new PageClient.Listener() {
          @Override
          public void onEvent(PageClient p, JsonObject frame, long receivedMicros) {
            delivered(frame.getJsonObject("data"), receivedMicros);
          }

          @Override
          public void onReady(PageClient p) {
            if (openMesh.add(p)) {
              open.incrementAndGet();
            }
          }

          @Override
          public void onAttempt(PageClient p) {
            group.attempts().add(PageClient.nowMicros());
          }

          @Override
          public void onRetryScheduled(PageClient p, int code, long delayMillis, boolean hinted) {
            group
                .retries()
                .add(new long[] {PageClient.nowMicros(), code, delayMillis, hinted ? 1 : 0});
          }

          @Override
          public void onClosed(PageClient p, int code) {
            // Only a page that was open leaves the count: a refused or timed-out attempt never
            // entered it.
            if (openMesh.remove(p)) {
              open.decrementAndGet();
            }
            if (code != 1000) {
              closedAbnormally(code);
            }
          }
        });
    return page;
  }

  private void closedAbnormally(int code) {
    errors.incrementAndGet();
    errorCodes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
  }

  private SocketIoPage socketIoPage(
      WebSocketClient client, String user, String token, Endpoint endpoint, String channel) {
    SocketIoPage page = new SocketIoPage(vertx, client, user, () -> token, endpoint, channel);
    page.listener(
        new SocketIoPage.Listener() {
          @Override
          public void onEvent(SocketIoPage p, JsonObject event, long receivedMicros) {
            delivered(event.getJsonObject("data"), receivedMicros);
          }

          @Override
          public void onReady(SocketIoPage p) {
            if (openSocketIo.add(p)) {
              open.incrementAndGet();
            }
          }

          @Override
          public void onClosed(SocketIoPage p, int code) {
            if (openSocketIo.remove(p)) {
              open.decrementAndGet();
            }
            if (code != 1000) {
              closedAbnormally(code);
            }
          }
        });
    return page;
  }

  /**
   * One event's first copy at one page: counted once, its latency and its broadcast's spread
   * recorded.
   */
  private void delivered(JsonObject data, long receivedMicros) {
    received.incrementAndGet();
    if (data != null && data.getValue("t") instanceof Number t) {
      long latency = receivedMicros - t.longValue();
      latencies.add(latency);
      if (data.getValue("via") instanceof String via) {
        latenciesByPath.computeIfAbsent(via, k -> new Latencies()).add(latency);
      }
      if (data.getValue("i") instanceof Number i) {
        synchronized (spread) {
          long[] s = spread.computeIfAbsent(i.intValue(), k -> new long[2]);
          s[0]++;
          s[1] = Math.max(s[1], latency);
        }
      }
    }
  }

  private JsonObject start(JsonObject c) throws Exception {
    Group group = group(c);
    int concurrency = c.getInteger("concurrency", 200);
    int perSecond = c.getInteger("perSecond", 0);
    Duration timeout = Duration.ofMillis(c.getLong("timeoutMs", 600_000L));
    AtomicInteger failed = new AtomicInteger();
    Future<Void> all = startBounded(vertx, group.pages(), concurrency, perSecond, failed);
    all.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return new JsonObject().put("started", group.pages().size()).put("failed", failed.get());
  }

  /**
   * Starts the pages with at most {@code concurrency} opening at once and, when {@code perSecond}
   * is above 0, page i not before i / perSecond seconds after the first; completes when every start
   * has finished.
   */
  static Future<Void> startBounded(
      Vertx vertx,
      List<? extends LoadPage> toStart,
      int concurrency,
      int perSecond,
      AtomicInteger failed) {
    if (toStart.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    long firstNanos = System.nanoTime();
    Runnable[] launch = new Runnable[1];
    IntConsumer startOne =
        i ->
            toStart
                .get(i)
                .start()
                .onComplete(
                    r -> {
                      if (r.failed()) {
                        failed.incrementAndGet();
                      }
                      if (finished.incrementAndGet() == toStart.size()) {
                        done.tryComplete();
                      }
                      launch[0].run();
                    });
    launch[0] =
        () -> {
          int i = next.getAndIncrement();
          if (i >= toStart.size()) {
            return;
          }
          long dueInMillis =
              perSecond == 0
                  ? 0
                  : (firstNanos + i * 1_000_000_000L / perSecond - System.nanoTime()) / 1_000_000;
          if (dueInMillis >= 1) {
            vertx.setTimer(dueInMillis, t -> startOne.accept(i));
          } else {
            startOne.accept(i);
          }
        };
    for (int i = 0; i < Math.min(concurrency, toStart.size()); i++) {
      launch[0].run();
    }
    return done.future();
  }

  private Group group(JsonObject c) {
    Group group = groups.get(c.getString("group"));
    if (group == null) {
      throw new IllegalArgumentException("no group " + c.getString("group") + " on this host");
    }
    return group;
  }

  private List<PageClient> meshPages(Group group) {
    List<PageClient> out = new ArrayList<>();
    for (LoadPage p : group.pages()) {
      if (p instanceof PageClient m) {
        out.add(m);
      }
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------------
  // measurements

  /** Starts a measured phase: latencies, spreads and the delivery count start from zero. */
  private JsonObject mark() {
    latencies.clear();
    latenciesByPath.clear();
    synchronized (spread) {
      spread.clear();
    }
    received.set(0);
    return new JsonObject();
  }

  /** Every latency since the mark, or those of the events tagged {@code via} when not null. */
  private JsonObject latencies(String via) {
    Latencies source = via == null ? latencies : latenciesByPath.getOrDefault(via, new Latencies());
    JsonArray out = new JsonArray();
    for (long v : source.sorted()) {
      out.add(v);
    }
    return new JsonObject().put("samples", out);
  }

  private JsonObject spread() {
    JsonObject out = new JsonObject();
    synchronized (spread) {
      spread.forEach((i, s) -> out.put(Integer.toString(i), new JsonArray().add(s[0]).add(s[1])));
    }
    return out;
  }

  /** Pages of the group ready on an endpoint other than {@code avoid}, and pages that gave up. */
  private JsonObject readyCount(JsonObject c) {
    Group group = group(c);
    String avoid = c.getString("avoid");
    int ready = 0;
    int gaveUp = 0;
    int total = 0;
    for (PageClient p : meshPages(group)) {
      if (avoid != null && !avoid.equals(p.firstEndpoint().toString())) {
        continue;
      }
      total++;
      if (p.isReady() && (avoid == null || !avoid.equals(p.endpoint().toString()))) {
        ready++;
      }
      if (p.gaveUp()) {
        gaveUp++;
      }
    }
    return new JsonObject().put("ready", ready).put("total", total).put("gaveUp", gaveUp);
  }

  private static List<Long> seqs(JsonObject c) {
    List<Long> out = new ArrayList<>();
    for (Object o : c.getJsonArray("acked")) {
      out.add(o instanceof JsonArray pair ? pair.getLong(0) : ((Number) o).longValue());
    }
    return out;
  }

  /** How many pages of the group lack at least one of the acknowledged seqs. */
  private JsonObject missing(JsonObject c) {
    Group group = group(c);
    String channel = c.getString("channel");
    List<Long> acked = seqs(c);
    int pages = 0;
    for (PageClient p : meshPages(group)) {
      Boolean lacks = p.ledger(channel, l -> acked.stream().anyMatch(s -> !l.saw(s)));
      if (lacks == null || lacks) {
        pages++;
      }
    }
    return new JsonObject().put("pages", pages);
  }

  /**
   * Lost (acknowledged, never arrived), duplicated and announced-dropped events over the group's
   * pages.
   */
  private JsonObject ledgers(JsonObject c) {
    Group group = group(c);
    String channel = c.getString("channel");
    List<Long> acked = seqs(c);
    long lost = 0;
    long duplicates = 0;
    long announced = 0;
    int pagesWithLoss = 0;
    for (PageClient p : meshPages(group)) {
      String ch = channel != null ? channel : "user:" + p.userId();
      long pageLost = p.ledger(ch, l -> acked.stream().filter(s -> !l.saw(s)).count());
      lost += pageLost;
      pagesWithLoss += pageLost > 0 ? 1 : 0;
      duplicates += p.ledger(ch, l -> l.duplicates());
      announced += p.ledger(ch, l -> l.announcedDrops());
    }
    return new JsonObject()
        .put("lost", lost)
        .put("duplicates", duplicates)
        .put("announcedDrops", announced)
        .put("pagesWithLoss", pagesWithLoss);
  }

  /**
   * The storm's per-page accounting ({@link ResumeAccounting}) for the pages that started on the
   * killed endpoint, lost and duplicated events for every page, and the attempts and scheduled
   * retries since the kill.
   */
  private JsonObject storm(JsonObject c) {
    Group group = group(c);
    String channel = c.getString("channel");
    long killedAt = c.getLong("killedAtMicros");
    String killed = c.getString("killedEndpoint");
    List<ResumeAccounting.Ack> acked = new ArrayList<>();
    for (Object o : c.getJsonArray("acked")) {
      JsonArray pair = (JsonArray) o;
      acked.add(new ResumeAccounting.Ack(pair.getLong(0), pair.getLong(1)));
    }
    JsonArray resume = new JsonArray();
    JsonArray welcomed = new JsonArray();
    JsonArray firstAttempts = new JsonArray();
    Map<ResumeAccounting.Status, Integer> statuses =
        new java.util.EnumMap<>(ResumeAccounting.Status.class);
    long lost = 0;
    long duplicates = 0;
    long announced = 0;
    long missed = 0;
    for (PageClient p : meshPages(group)) {
      boolean moved = killed.equals(p.firstEndpoint().toString());
      if (moved) {
        ResumeAccounting.Outcome outcome =
            p.ledger(
                channel,
                l ->
                    ResumeAccounting.page(
                        killedAt, p.readyTimesMicros(), p.gaveUp(), acked, l::arrivalMicros));
        statuses.merge(outcome.status(), 1, Integer::sum);
        resume.add(outcome.resumeMicros());
        missed += outcome.missed();
        long firstWelcome =
            p.welcomeTimesMicros().stream().filter(t -> t >= killedAt).findFirst().orElse(-1L);
        welcomed.add(firstWelcome < 0 ? Latencies.NEVER : firstWelcome - killedAt);
        long firstAttempt =
            p.attemptTimesMicros().stream().filter(t -> t >= killedAt).findFirst().orElse(-1L);
        firstAttempts.add(firstAttempt < 0 ? Latencies.NEVER : firstAttempt - killedAt);
      }
      lost += p.ledger(channel, l -> acked.stream().filter(a -> !l.saw(a.seq())).count());
      duplicates += p.ledger(channel, l -> l.duplicates());
      announced += p.ledger(channel, l -> l.announcedDrops());
    }
    JsonObject status = new JsonObject();
    statuses.forEach((s, n) -> status.put(s.name(), n));
    JsonArray attempts = new JsonArray();
    group.attempts().stream().filter(t -> t >= killedAt).forEach(t -> attempts.add(t - killedAt));
    JsonArray retries = new JsonArray();
    for (long[] r : group.retries()) {
      if (r[0] >= killedAt) {
        retries.add(new JsonArray().add(r[0] - killedAt).add(r[1]).add(r[2]).add(r[3] == 1));
      }
    }
    return new JsonObject()
        .put("resumeMicros", resume)
        .put("welcomeMicros", welcomed)
        .put("status", status)
        .put("missed", missed)
        .put("lost", lost)
        .put("duplicates", duplicates)
        .put("announcedDrops", announced)
        .put("attemptMicros", attempts)
        .put("firstAttemptMicros", firstAttempts)
        .put("retries", retries);
  }

  private JsonObject goAway(JsonObject c) {
    meshPages(group(c)).forEach(PageClient::goAway);
    return new JsonObject();
  }

  /**
   * Brings every page of the group back ({@code batch} pages every {@code pauseMs}) and waits until
   * each has the event {@code targetSeq}; answers, per page, the time from its comeBack to that
   * event's arrival (µs), and from its last {@code subscribe} of the channel to that arrival, or
   * {@link Latencies#NEVER}.
   */
  private JsonObject comeBack(JsonObject c) throws Exception {
    Group group = group(c);
    String channel = c.getString("channel");
    long target = c.getLong("targetSeq");
    int batch = Math.max(1, c.getInteger("batch", 200));
    long pauseMs = c.getLong("pauseMs", 50L);
    long deadline =
        System.nanoTime() + Duration.ofMillis(c.getLong("timeoutMs", 300_000L)).toNanos();
    List<PageClient> pages = meshPages(group);
    long[] started = new long[pages.size()];
    for (int i = 0; i < pages.size(); i++) {
      started[i] = PageClient.nowMicros();
      pages.get(i).comeBack();
      if ((i + 1) % batch == 0) {
        Thread.sleep(pauseMs);
      }
    }
    JsonArray durations = new JsonArray();
    JsonArray fromSubscribe = new JsonArray();
    for (int i = 0; i < pages.size(); i++) {
      PageClient p = pages.get(i);
      long arrived = -1;
      while (System.nanoTime() < deadline) {
        arrived = p.ledger(channel, l -> l.arrivalMicros(target));
        if (arrived >= 0) {
          break;
        }
        Thread.sleep(20);
      }
      durations.add(arrived < 0 ? Latencies.NEVER : arrived - started[i]);
      long subscribed = p.subscribeSentMicros(channel);
      fromSubscribe.add(
          arrived < 0 || subscribed < started[i] ? Latencies.NEVER : arrived - subscribed);
    }
    long duplicates = pages.stream().mapToLong(p -> p.ledger(channel, l -> l.duplicates())).sum();
    return new JsonObject()
        .put("durationMicros", durations)
        .put("fromSubscribeMicros", fromSubscribe)
        .put("duplicates", duplicates);
  }

  // ----------------------------------------------------------------------------------------------
  // lifecycle

  /**
   * Closes every page of one group for good (a clean close, no reconnect) and forgets the group:
   * answers how many pages it had.
   */
  private JsonObject stopGroup(JsonObject c) throws Exception {
    Group group = group(c);
    List<Future<Void>> stops = new ArrayList<>();
    group.pages().forEach(p -> stops.add(p.stop()));
    Future.join(stops).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    groups.remove(group.name());
    return new JsonObject().put("stopped", stops.size());
  }

  private void stopPages() {
    List<Future<Void>> stops = new ArrayList<>();
    for (Group g : groups.values()) {
      g.pages().forEach(p -> stops.add(p.stop()));
    }
    try {
      Future.join(stops).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    groups.clear();
  }

  @Override
  public void close() {
    stopPages();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the process is ending anyway
    }
  }

  // ----------------------------------------------------------------------------------------------
  // wire forms

  static JsonObject policyToJson(ClientPolicy p) {
    return new JsonObject()
        .put("pingMs", p.pingInterval().toMillis())
        .put("pongMs", p.pongTimeout().toMillis())
        .put("backoffBaseMs", p.backoffBase().toMillis())
        .put("backoffCapMs", p.backoffCap().toMillis())
        .put("reconnect", p.reconnect())
        .put("connectTimeoutMs", p.connectTimeout().toMillis())
        .put("healthyAfterMs", p.healthyAfter().toMillis())
        .put("maxAttempts", p.maxAttempts())
        .put("firstRetrySpreadMs", p.firstRetrySpread().toMillis())
        .put("hintJitter", p.hintJitter());
  }

  static ClientPolicy policyFromJson(JsonObject j) {
    if (j == null) {
      return ClientPolicy.browser().withoutReconnect();
    }
    return new ClientPolicy(
        Duration.ofMillis(j.getLong("pingMs")),
        Duration.ofMillis(j.getLong("pongMs")),
        Duration.ofMillis(j.getLong("backoffBaseMs")),
        Duration.ofMillis(j.getLong("backoffCapMs")),
        j.getBoolean("reconnect"),
        Duration.ofMillis(j.getLong("connectTimeoutMs")),
        Duration.ofMillis(j.getLong("healthyAfterMs")),
        j.getInteger("maxAttempts"),
        Duration.ofMillis(j.getLong("firstRetrySpreadMs")),
        j.getDouble("hintJitter"));
  }
}
