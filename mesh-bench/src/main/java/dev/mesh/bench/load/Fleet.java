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
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pages of one generator process: each a real identity with its own token, bound round-robin to a source address
 * of 127.0.0.2-9 (each address has its own 28k ephemeral ports), opened with bounded concurrency, and a progress line
 * every second on stderr: connections open, messages per second, errors.
 */
final class Fleet implements AutoCloseable {

  static final List<String> SOURCE_ADDRESSES = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
      "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9");

  final Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();
  private final BenchTokens tokens;
  final List<PageClient> pages = new ArrayList<>();
  /** Pages of other protocols (Socket.IO), stopped on close like the Mesh ones. */
  private final List<LoadPage> others = new ArrayList<>();
  private final java.util.Set<SocketIoPage> openSocketIo = java.util.concurrent.ConcurrentHashMap.newKeySet();
  final AtomicLong received = new AtomicLong();
  final AtomicInteger errors = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final Latencies latencies = new Latencies();
  private final long progressTimer;
  private final String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
  private String label = "";

  Fleet(String secret) {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    for (String address : SOURCE_ADDRESSES) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(address)
          .setMaxConnections(1_000_000).setClosingTimeout(2).setConnectTimeout(20_000)));
    }
    tokens = new BenchTokens(vertx, secret);
    long[] last = {0};
    progressTimer = vertx.setPeriodic(1000, t -> {
      long now = received.get();
      System.err.printf(Locale.ROOT, "\r[%s] open %d  msgs/s %d  errors %d      ", label, open.get(), now - last[0],
          errors.get());
      last[0] = now;
    });
  }

  void label(String label) {
    this.label = label;
  }

  /** Creates {@code count} pages (users {@code prefix-i}) spread over the endpoints, not yet started. */
  List<PageClient> create(String prefix, int count, List<Endpoint> endpoints, ClientPolicy policy, String channel) {
    List<PageClient> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String user = prefix + "-" + run + "-" + i;
      String token = tokens.token(user);
      PageClient page = new PageClient(vertx, clients.get(i % clients.size()), user, "s" + i, "t" + i, "p" + i,
          () -> token, endpoints, i, policy);
      page.listener(new PageClient.Listener() {
        @Override
        public void onEvent(PageClient client, JsonObject frame, long receivedMicros) {
          received.incrementAndGet();
          JsonObject data = frame.getJsonObject("data");
          if (data != null && data.containsKey("t")) {
            latencies.add(receivedMicros - data.getLong("t"));
          }
        }

        @Override
        public void onReady(PageClient client) {
          open.incrementAndGet();
        }

        @Override
        public void onClosed(PageClient client, int code) {
          if (client.welcomes() > 0 && code != -1 && code != -3) {
            open.decrementAndGet();
          }
          if (code != 1000) {
            errors.incrementAndGet();
          }
        }
      });
      if (channel != null) {
        page.subscribe(channel);
      }
      created.add(page);
    }
    pages.addAll(created);
    return created;
  }

  /**
   * Creates {@code count} pages for {@code target}: Mesh pages ({@link PageClient}) for Mesh and the raw baseline,
   * Socket.IO pages for the Socket.IO baseline, all counted in the same progress line and latency record.
   */
  List<? extends LoadPage> pages(Target target, String prefix, int count, ClientPolicy policy, String channel) {
    return target.speaksSocketIo() ? createSocketIo(prefix, count, target.endpoints().get(0), channel)
        : create(prefix, count, target.endpoints(), policy, channel);
  }

  private List<SocketIoPage> createSocketIo(String prefix, int count, Endpoint endpoint, String channel) {
    List<SocketIoPage> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String token = tokens.token(prefix + "-" + run + "-" + i);
      SocketIoPage page = new SocketIoPage(vertx, clients.get(i % clients.size()), prefix + "-" + run + "-" + i,
          () -> token, endpoint, channel);
      page.listener(new SocketIoPage.Listener() {
        @Override
        public void onEvent(SocketIoPage client, JsonObject event, long receivedMicros) {
          received.incrementAndGet();
          JsonObject data = event.getJsonObject("data");
          if (data != null && data.containsKey("t")) {
            latencies.add(receivedMicros - data.getLong("t"));
          }
        }

        @Override
        public void onReady(SocketIoPage client) {
          if (openSocketIo.add(client)) {
            open.incrementAndGet();
          }
        }

        @Override
        public void onClosed(SocketIoPage client, int code) {
          // Only a page that was open leaves the count: a refused or timed-out connect never entered it.
          if (openSocketIo.remove(client)) {
            open.decrementAndGet();
          }
          if (code != 1000) {
            errors.incrementAndGet();
          }
        }
      });
      created.add(page);
    }
    others.addAll(created);
    return created;
  }

  /** Starts the pages with at most {@code concurrency} opening at once; completes when all are ready. */
  Future<Void> start(List<? extends LoadPage> toStart, int concurrency) {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= toStart.size()) {
        return;
      }
      toStart.get(i).start().onComplete(r -> {
        if (finished.incrementAndGet() == toStart.size()) {
          done.tryComplete();
        }
        launch[0].run();
      });
    };
    if (toStart.isEmpty()) {
      return Future.succeededFuture();
    }
    for (int i = 0; i < Math.min(concurrency, toStart.size()); i++) {
      launch[0].run();
    }
    return done.future();
  }

  @Override
  public void close() {
    vertx.cancelTimer(progressTimer);
    System.err.println();
    List<Future<Void>> stops = new ArrayList<>();
    pages.forEach(p -> stops.add(p.stop()));
    others.forEach(p -> stops.add(p.stop()));
    try {
      Future.join(stops).toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    vertx.close();
  }
}
