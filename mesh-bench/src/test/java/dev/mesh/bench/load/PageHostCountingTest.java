package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.common.testing.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Page host: every event counted once, single or in a history batch, whatever the server sends twice")
class PageHostCountingTest {

  private Vertx vertx;
  private HttpServer server;
  private PageHost host;

  /**
   * A server that welcomes, answers subscribe at seq 0, then sends seq 1, seq 1 again and seq 2 as
   * event frames, and seq 2 again, 3 and 4 in one {@code events} batch (PROTOCOL 6.2).
   */
  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .webSocketHandler(
                ws -> {
                  ws.writeTextMessage(
                      new JsonObject()
                          .put("type", "welcome")
                          .put("protocol", 1)
                          .put("connectionId", "c")
                          .put("nodeId", "n")
                          .encode());
                  ws.textMessageHandler(
                      text -> {
                        JsonObject frame = new JsonObject(text);
                        if (!"subscribe".equals(frame.getString("type"))) {
                          return;
                        }
                        String channel = frame.getString("channel");
                        ws.writeTextMessage(
                            new JsonObject()
                                .put("type", "subscribed")
                                .put("id", frame.getString("id"))
                                .put("channel", channel)
                                .put("position", new JsonObject().put("epoch", "e1").put("seq", 0))
                                .encode());
                        for (long seq : new long[] {1, 1, 2}) {
                          ws.writeTextMessage(
                              new JsonObject()
                                  .put("type", "event")
                                  .put("channel", channel)
                                  .put("epoch", "e1")
                                  .put("seq", seq)
                                  .put("data", LoadContext.payload((int) seq - 1))
                                  .encode());
                        }
                        JsonArray items = new JsonArray();
                        for (long seq : new long[] {2, 3, 4}) {
                          items.add(
                              new JsonObject()
                                  .put("seq", seq)
                                  .put("id", "m" + seq)
                                  .put("data", LoadContext.payload((int) seq - 1)));
                        }
                        ws.writeTextMessage(
                            new JsonObject()
                                .put("type", "events")
                                .put("channel", channel)
                                .put("epoch", "e1")
                                .put("events", items)
                                .encode());
                      });
                })
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    host = new PageHost("t", "counting-test-secret-0123456789abcdef");
  }

  @AfterEach
  void stop() throws Exception {
    host.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private JsonObject call(JsonObject command) throws Exception {
    return host.handle(command);
  }

  @Test
  @DisplayName(
      "3 event frames and a batch of 3, two duplicates, on each of 3 pages: 12 deliveries, 6 duplicates")
  void duplicateCountedOnce() throws Exception {
    call(
        new JsonObject()
            .put("op", "create")
            .put("group", "g")
            .put("prefix", "g")
            .put("from", 0)
            .put("count", 3)
            .put(
                "endpoints",
                new JsonArray().add(new JsonArray().add("127.0.0.1").add(server.actualPort())))
            .put("policy", PageHost.policyToJson(ClientPolicy.browser().withoutReconnect()))
            .put("channel", "bench:c"));
    JsonObject started =
        call(new JsonObject().put("op", "start").put("group", "g").put("timeoutMs", 20_000));
    assertThat(started.getInteger("failed")).isZero();
    // Each socket delivers in order: once every page counted seq 4, the duplicates (sent before)
    // were seen.
    JsonArray acked = new JsonArray().add(1).add(2).add(3).add(4);
    Poll.until(
        Duration.ofSeconds(20),
        "all pages got seq 1 to 4",
        () -> {
          try {
            return call(new JsonObject()
                        .put("op", "missing")
                        .put("group", "g")
                        .put("channel", "bench:c")
                        .put("acked", acked))
                    .getInteger("pages")
                == 0;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    JsonObject stats = call(new JsonObject().put("op", "stats"));
    assertThat(stats.getLong("received")).isEqualTo(12);
    assertThat(stats.getLong("eventBatches")).isEqualTo(3);
    assertThat(call(new JsonObject().put("op", "latencies")).getJsonArray("samples")).hasSize(12);
    JsonObject ledgers =
        call(
            new JsonObject()
                .put("op", "ledgers")
                .put("group", "g")
                .put("channel", "bench:c")
                .put("acked", acked));
    assertThat(ledgers.getLong("duplicates")).isEqualTo(6);
    assertThat(ledgers.getLong("lost")).isZero();
    JsonObject spread = call(new JsonObject().put("op", "spread"));
    assertThat(spread.getJsonArray("0").getLong(0)).isEqualTo(3);
    assertThat(spread.getJsonArray("1").getLong(0)).isEqualTo(3);
    assertThat(spread.getJsonArray("3").getLong(0)).as("seq 4, from the batch only").isEqualTo(3);
    assertThat(call(new JsonObject().put("op", "stats")).getInteger("open")).isEqualTo(3);
  }
}
