package dev.mesh.bench.attack;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;

/**
 * Two well-behaved pages that keep working throughout the attacks: one on node A publishing to
 * {@code health:feed} every 200 ms, one on node B subscribed to it. A row passes only if node B's
 * page kept receiving and neither page was closed ("other users' connections untouched").
 */
final class HealthyPages implements AutoCloseable {

  static final String CHANNEL = "health:feed";

  private final Vertx vertx;
  private final Attacker.Socket publisher;
  private final Attacker.Socket receiver;
  private long timer = -1;
  private int sent;

  HealthyPages(Vertx vertx, int portA, int portB, String tokenA, String tokenB) {
    this.vertx = vertx;
    // Their own loopback address: no row's per-address limit can touch them.
    Attacker client = new Attacker(vertx, "127.0.0.2");
    this.publisher =
        client.webSocket(
            portA, "/ws?session=h&tab=h&page=ha", Map.of("Authorization", "Bearer " + tokenA));
    this.receiver =
        client.webSocket(
            portB, "/ws?session=h&tab=h&page=hb", Map.of("Authorization", "Bearer " + tokenB));
    publisher.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(20));
    receiver.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(20));
    receiver.send(
        new JsonObject().put("type", "subscribe").put("id", "hs").put("channel", CHANNEL));
    receiver.await(f -> "hs".equals(f.getString("id")), Duration.ofSeconds(20));
  }

  void start() {
    timer =
        vertx.setPeriodic(
            200,
            id ->
                publisher.ws.writeTextMessage(
                    new JsonObject()
                        .put("type", "publish")
                        .put("id", "h" + sent++)
                        .put("channel", CHANNEL)
                        .put("data", new JsonObject().put("n", sent))
                        .encode()));
  }

  /** Events node B's page received so far. */
  long received() {
    synchronized (receiver.frames) {
      return receiver.frames.stream().filter(f -> "event".equals(f.getString("type"))).count();
    }
  }

  /**
   * Whether both pages are still open and B received at least {@code more} events after {@code
   * since} (waiting up to 10 s for them: a busy machine delays, a broken page never delivers).
   */
  String check(long since, int more) {
    receiver.awaitCount(
        f -> "event".equals(f.getString("type")), since + more, Duration.ofSeconds(10));
    if (publisher.isClosed() || receiver.isClosed()) {
      return "CLOSED";
    }
    long got = received() - since;
    return got >= more ? "+" + got + " events" : "STALLED (+" + got + ")";
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    publisher.ws.close();
    receiver.ws.close();
  }
}
