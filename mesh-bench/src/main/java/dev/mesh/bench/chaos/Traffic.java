package dev.mesh.bench.chaos;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pages publishing to and receiving from one channel throughout a scenario, and the bookkeeping
 * that judges the server afterwards: every acknowledged event must reach every subscriber exactly
 * once (docs/ARCHITECTURE.md §8, invariants 4-5). Subscribers are all subscribed before the first
 * publish, so every acknowledged event is owed to every one of them.
 */
final class Traffic implements AutoCloseable {

  private final Vertx vertx;
  private final WebSocketClient webSockets;
  private final BenchTokens tokens;
  private final String channel;
  private final List<PageClient> subscribers = new ArrayList<>();
  private final List<PageClient> publishers = new ArrayList<>();

  /** Every acknowledged event, as the {@code (epoch, seq)} its {@code published} reply named. */
  private final Set<Ack> acked = ConcurrentHashMap.newKeySet();

  private final Set<String> ackedEpochs = ConcurrentHashMap.newKeySet();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong maxAckNanos = new AtomicLong();
  private final Set<Long> duplicateAcks = ConcurrentHashMap.newKeySet();
  private final List<Long> timers = new ArrayList<>();
  private final String run = Long.toString(System.nanoTime() % 100_000, 36);

  Traffic(Vertx vertx, String secret, String channel) {
    this.vertx = vertx;
    this.webSockets =
        vertx.createWebSocketClient(
            new WebSocketClientOptions().setMaxConnections(100_000).setClosingTimeout(2));
    this.tokens = new BenchTokens(vertx, secret);
    this.channel = channel;
  }

  String channel() {
    return channel;
  }

  /** Creates a page of a distinct user, first connecting to {@code endpoints[first]}. */
  PageClient page(
      String role, int index, List<Endpoint> endpoints, int first, ClientPolicy policy) {
    String user = role + "-" + run + "-" + index;
    String token = tokens.token(user);
    return new PageClient(
        vertx,
        webSockets,
        user,
        "s" + index,
        "t" + index,
        "p" + index,
        () -> token,
        endpoints,
        first,
        policy);
  }

  /**
   * Starts {@code count} subscribers spread round-robin over the endpoints; completes when all are
   * subscribed.
   */
  Future<Void> subscribers(int count, List<Endpoint> endpoints, ClientPolicy policy) {
    List<Future<Void>> ready = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      PageClient page = page("sub", subscribers.size(), endpoints, i, policy).subscribe(channel);
      subscribers.add(page);
      ready.add(page.start());
    }
    return Future.all(ready).mapEmpty();
  }

  /**
   * Starts {@code count} publishers on the given endpoints (round-robin); completes when all are
   * connected.
   */
  Future<Void> publishers(int count, List<Endpoint> endpoints, ClientPolicy policy) {
    List<Future<Void>> ready = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      PageClient page = page("pub", publishers.size(), endpoints, i, policy);
      publishers.add(page);
      ready.add(page.start());
    }
    return Future.all(ready).mapEmpty();
  }

  /**
   * Every publisher publishes {@code perSecond} events per second until {@link #stopPublishing()},
   * with at most {@code window} unacknowledged at a time (a real client's outbox is bounded too).
   */
  void startPublishing(double perSecond, int window) {
    long period = Math.max(1, Math.round(1000 / perSecond));
    for (PageClient publisher : publishers) {
      timers.add(
          vertx.setPeriodic(
              period,
              t -> {
                if (publisher.pendingPublishes() < window) {
                  publishOne(publisher);
                }
              }));
    }
  }

  Future<JsonObject> publishOne(PageClient publisher) {
    sent.incrementAndGet();
    long started = System.nanoTime();
    JsonObject data =
        new JsonObject()
            .put("n", sent.get())
            .put("t", PageClient.nowMicros())
            .put("pad", "x".repeat(48));
    return publisher
        .publish(channel, data)
        .onSuccess(
            published -> {
              maxAckNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
              acked.add(new Ack(published.getString("epoch"), published.getLong("seq")));
              if (published.getBoolean("duplicate", false)) {
                duplicateAcks.add(published.getLong("seq"));
              }
              ackedEpochs.add(published.getString("epoch"));
            });
  }

  void stopPublishing() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
  }

  List<PageClient> subscribers() {
    return subscribers;
  }

  List<PageClient> publishers() {
    return publishers;
  }

  /** Longest time from a publish to its acknowledgement, retries included. */
  long maxAckNanos() {
    return maxAckNanos.get();
  }

  long sent() {
    return sent.get();
  }

  long acked() {
    return acked.size();
  }

  int unacknowledged() {
    return publishers.stream().mapToInt(PageClient::pendingPublishes).sum();
  }

  /** One acknowledged event. */
  record Ack(String epoch, long seq) {
    @Override
    public String toString() {
      return epoch + ":" + seq;
    }
  }

  /**
   * Every subscriber is connected, subscribed and has every acknowledged event, or was told it will
   * not get it.
   */
  boolean caughtUp() {
    return subscribers.stream().allMatch(s -> s.isReady() && lost(s) == 0);
  }

  /**
   * Acknowledged events silently missing at some subscriber (at most {@code limit}), for the
   * report.
   */
  java.util.SortedSet<String> missing(int limit) {
    java.util.SortedSet<String> missing = new java.util.TreeSet<>();
    for (PageClient page : subscribers) {
      page.ledger(
          channel,
          ledger -> {
            acked.stream()
                .filter(
                    a -> !ledger.saw(a.epoch(), a.seq()) && !ledger.announced(a.epoch(), a.seq()))
                .limit(limit)
                .forEach(a -> missing.add(a.toString()));
            return null;
          });
    }
    return missing;
  }

  /** A line per subscriber that lost something: its node, closes and positions. */
  String lossReport() {
    StringBuilder report = new StringBuilder();
    for (PageClient page : subscribers) {
      if (lost(page) > 0) {
        report
            .append("\n  ")
            .append(page.userId())
            .append(" lost ")
            .append(lost(page))
            .append(" (gap frames announced ")
            .append(page.<Object>ledger(channel, l -> l.announcedDrops()))
            .append(") closes ")
            .append(page.closeCodes())
            .append(" ")
            .append(page.<Object>ledger(channel, l -> l.positions()));
      }
    }
    return report.toString();
  }

  /** A line per subscriber that received a duplicate: its closes and positions. */
  String duplicateReport() {
    StringBuilder report = new StringBuilder();
    for (PageClient page : subscribers) {
      long duplicates = page.ledger(channel, l -> l.duplicates());
      if (duplicates > 0) {
        report
            .append("\n  ")
            .append(page.userId())
            .append(" duplicates ")
            .append(duplicates)
            .append(" closes ")
            .append(page.closeCodes())
            .append(" ")
            .append(page.<Object>ledger(channel, l -> l.positions()));
      }
    }
    return report.toString();
  }

  /**
   * Seqs acknowledged to a retried publish ({@code duplicate: true}): the first attempt was stored.
   */
  Set<Long> duplicateAcks() {
    return duplicateAcks;
  }

  /** Acknowledged events {@code page} neither received nor was told about: silently lost. */
  long lost(PageClient page) {
    return page.ledger(
        channel,
        ledger ->
            acked.stream()
                .filter(
                    a -> !ledger.saw(a.epoch(), a.seq()) && !ledger.announced(a.epoch(), a.seq()))
                .count());
  }

  /**
   * Acknowledged events {@code page} did not receive and was told so ({@code reset} or {@code
   * gap}).
   */
  long announced(PageClient page) {
    return page.ledger(
        channel,
        ledger ->
            acked.stream()
                .filter(
                    a -> !ledger.saw(a.epoch(), a.seq()) && ledger.announced(a.epoch(), a.seq()))
                .count());
  }

  Tally tally() {
    long received = 0;
    long lost = 0;
    long announced = 0;
    long duplicates = 0;
    long jumps = 0;
    long resets = 0;
    int pagesWithLoss = 0;
    int pagesWithDuplicates = 0;
    for (PageClient page : subscribers) {
      long pageLost = lost(page);
      long pageDuplicates = page.ledger(channel, l -> l.duplicates());
      received += page.ledger(channel, l -> l.received());
      jumps += page.ledger(channel, l -> l.jumps());
      resets += page.ledger(channel, l -> l.resets() + l.epochChanges());
      announced += announced(page);
      lost += pageLost;
      duplicates += pageDuplicates;
      pagesWithLoss += pageLost > 0 ? 1 : 0;
      pagesWithDuplicates += pageDuplicates > 0 ? 1 : 0;
    }
    return new Tally(
        sent.get(),
        acked.size(),
        acked.size() * (long) subscribers.size(),
        received,
        lost,
        announced,
        duplicates,
        jumps,
        resets,
        pagesWithLoss,
        pagesWithDuplicates,
        ackedEpochs.size());
  }

  /**
   * Counts over all subscribers: {@code owed} = acknowledged events times subscribers; {@code
   * received} counts every copy delivered (duplicates included); {@code lost} the owed events a
   * page neither received nor was told about (silently lost: must be 0); {@code announced} those it
   * was told about by a reset or a gap frame.
   */
  record Tally(
      long sent,
      long acked,
      long owed,
      long received,
      long lost,
      long announced,
      long duplicates,
      long jumps,
      long resets,
      int pagesWithLoss,
      int pagesWithDuplicates,
      int epochs) {}

  /** Waits (polling) until {@code condition} or the timeout; returns whether it held. */
  static boolean await(Duration timeout, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Every page's close count now. Closes before the mark belong to setting the pages up (an
   * admission deferral, 4006, is how a node spreads 2,000 connects); closes after it happened while
   * the scenario ran.
   */
  Map<PageClient, Integer> closeMark() {
    Map<PageClient, Integer> mark = new LinkedHashMap<>(); // PageClient: identity equality
    subscribers.forEach(p -> mark.put(p, p.closeCodes().size()));
    publishers.forEach(p -> mark.put(p, p.closeCodes().size()));
    return mark;
  }

  /**
   * The pages closed since the mark, and the close codes they saw since (each code counted once per
   * page); empty when none was.
   */
  static String closedSince(Map<PageClient, Integer> mark) {
    Map<Integer, Long> codes = new TreeMap<>();
    long closed = 0;
    for (Map.Entry<PageClient, Integer> entry : mark.entrySet()) {
      List<Integer> seen = entry.getKey().closeCodes();
      if (seen.size() > entry.getValue()) {
        closed++;
        seen.subList(entry.getValue(), seen.size()).stream()
            .distinct()
            .forEach(code -> codes.merge(code, 1L, Long::sum));
      }
    }
    return closed == 0 ? "" : closed + " of " + mark.size() + " pages closed, by code " + codes;
  }

  static <T> T get(Future<T> future, Duration timeout) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("timed out or failed after " + timeout + ": " + e, e);
    }
  }

  @Override
  public void close() {
    stopPublishing();
    List<Future<Void>> stops = new ArrayList<>();
    subscribers.forEach(s -> stops.add(s.stop()));
    publishers.forEach(p -> stops.add(p.stop()));
    try {
      get(Future.join(stops), Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      // best effort: the servers are killed next anyway
    }
  }
}
