package dev.mesh.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.SocketIoPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Socket.IO baseline: the real node server driven by SocketIoPage over real sockets")
class SocketIoBaselineTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final String SECRET = "socketio-baseline-test-secret-0123456789";

  private static SocketIoServer server;

  private Vertx vertx;
  private WebSocketClient client;
  private BenchTokens tokens;
  private final List<SocketIoPage> pages = new ArrayList<>();

  @BeforeAll
  static void startServer() {
    // Only a missing node skips; a missing node_modules fails with "run npm ci" (./mesh test runs
    // it first).
    assumeTrue(SocketIoServer.nodeAvailable(), "node is not on the PATH");
    server = SocketIoServer.start(REPO, SECRET);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createWebSocketClient(new WebSocketClientOptions());
    tokens = new BenchTokens(vertx, SECRET);
  }

  @AfterEach
  void stopPages() throws Exception {
    for (SocketIoPage page : pages) {
      await(page.stop());
    }
  }

  private SocketIoPage page(String user, String channel, Inbox received) {
    SocketIoPage page =
        new SocketIoPage(
                vertx,
                client,
                user,
                () -> tokens.token(user),
                Endpoint.loopback(server.port()),
                channel)
            .listener(
                new SocketIoPage.Listener() {
                  @Override
                  public void onEvent(SocketIoPage p, JsonObject event, long receivedMicros) {
                    received.add(event);
                  }
                });
    pages.add(page);
    return page;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** What a page's listener received, in order; the test thread waits on it. */
  private static final class Inbox {
    private final List<JsonObject> events = new ArrayList<>();

    synchronized void add(JsonObject event) {
      events.add(event);
      notifyAll();
    }

    /** Waits until {@code count} events arrived (15 s at most); returns a copy of all of them. */
    synchronized List<JsonObject> await(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (events.size() < count) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          break;
        }
        wait(left);
      }
      assertThat(events).as("events received").hasSizeGreaterThanOrEqualTo(count);
      return List.copyOf(events);
    }

    synchronized List<JsonObject> all() {
      return List.copyOf(events);
    }
  }

  private static List<Long> seqs(List<JsonObject> events) {
    return events.stream().map(e -> e.getLong("seq")).toList();
  }

  @Test
  @DisplayName(
      "a token signed with another secret is refused: start() fails with the middleware's error")
  void badTokenRefused() {
    BenchTokens forged = new BenchTokens(vertx, "not-the-server-secret-not-the-server-secret");
    SocketIoPage page =
        new SocketIoPage(
            vertx,
            client,
            "mallory",
            () -> forged.token("mallory"),
            Endpoint.loopback(server.port()),
            "bad:room");
    pages.add(page);

    assertThatThrownBy(() -> await(page.start()))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("connect refused: unauthorized: bad signature");
    assertThat(page.isConnected()).isFalse();
  }

  @Test
  @DisplayName(
      "two pages of a channel both receive a third page's publish, with the acknowledged seq")
  void broadcast() throws Exception {
    Inbox a = new Inbox();
    Inbox b = new Inbox();
    SocketIoPage pageA = page("alice", "room:bc", a);
    SocketIoPage pageB = page("bob", "room:bc", b);
    SocketIoPage publisher = page("carol", null, new Inbox());
    await(pageA.start());
    await(pageB.start());
    await(publisher.start());

    JsonObject ack = await(publisher.publish("room:bc", new JsonObject().put("text", "hello")));
    assertThat(ack.getString("channel")).isEqualTo("room:bc");
    long seq = ack.getLong("seq");
    assertThat(seq).isPositive();

    for (Inbox inbox : List.of(a, b)) {
      List<JsonObject> received = inbox.await(1);
      assertThat(received).hasSize(1);
      assertThat(received.get(0).getString("channel")).isEqualTo("room:bc");
      assertThat(received.get(0).getLong("seq")).isEqualTo(seq);
      assertThat(received.get(0).getJsonObject("data").getString("text")).isEqualTo("hello");
    }
    assertThat(pageA.lastOffset()).as("the offset recovery appends").isNotBlank();
  }

  @Test
  @DisplayName(
      "a page that drops its TCP connection misses 5 events, recovers its session and gets exactly those 5")
  void recovery() throws Exception {
    Inbox received = new Inbox();
    SocketIoPage page = page("dave", "room:resume", received);
    SocketIoPage publisher = page("erin", null, new Inbox());
    await(page.start());
    await(publisher.start());
    String sid = page.sid();

    // One event first: recovery needs an offset to resume from.
    long first =
        await(publisher.publish("room:resume", new JsonObject().put("i", 0))).getLong("seq");
    received.await(1);

    await(page.goAway());
    assertThat(page.isConnected()).isFalse();
    List<Long> missed = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      missed.add(
          await(publisher.publish("room:resume", new JsonObject().put("i", i))).getLong("seq"));
    }
    assertThat(received.all()).hasSize(1);

    assertThat(await(page.comeBack())).as("recovered").isTrue();
    assertThat(page.sid()).isEqualTo(sid);
    assertThat(page.recoveries()).isEqualTo(1);
    // The replay is delivered before comeBack() completes, in order, each once.
    List<Long> expected = new ArrayList<>(List.of(first));
    expected.addAll(missed);
    assertThat(seqs(received.all())).containsExactlyElementsOf(expected);

    // Still in its room after the recovery (no subscribe sent): the next broadcast arrives once.
    long next =
        await(publisher.publish("room:resume", new JsonObject().put("i", 6))).getLong("seq");
    expected.add(next);
    assertThat(seqs(received.await(7))).containsExactlyElementsOf(expected);
    assertThat(page.closeCodes()).containsExactly(-2);
  }

  @Test
  @DisplayName(
      "a page with no offset yet cannot be recovered: comeBack() reports false and subscribes a new session")
  void noOffsetNoRecovery() throws Exception {
    Inbox received = new Inbox();
    SocketIoPage page = page("frank", "room:fresh", received);
    SocketIoPage publisher = page("grace", null, new Inbox());
    await(page.start());
    await(publisher.start());
    String sid = page.sid();

    await(page.goAway());
    long missed =
        await(publisher.publish("room:fresh", new JsonObject().put("i", 1))).getLong("seq");
    assertThat(await(page.comeBack())).as("recovered").isFalse();
    assertThat(page.sid()).isNotEqualTo(sid);

    long next = await(publisher.publish("room:fresh", new JsonObject().put("i", 2))).getLong("seq");
    assertThat(seqs(received.await(1))).containsExactly(next).doesNotContain(missed);
  }

  @Test
  @DisplayName("GET /heap runs a full GC in node and reports the heap in use")
  void heapAfterGc() {
    JsonObject heap = server.heap();
    assertThat(heap.getBoolean("gc")).as("node started with --expose-gc").isTrue();
    assertThat(server.heapUsedAfterGc()).isPositive();
    assertThat(heap.getLong("rss")).isGreaterThan(heap.getLong("heapUsed"));
  }
}
