package dev.mesh.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A history batch ({@code events} frame, PROTOCOL 6.2) is handled as the event frames it stands
 * for: each item, completed with the batch's channel and epoch, is accounted for and handed to the
 * listeners exactly as the single {@code event} frame of the same event would be. The page
 * completes the items in place rather than copying each one (the copies were 12% of the generator's
 * samples), so these tests also pin that nothing of one item reaches another item or another batch,
 * and that a frame handed to a listener is not changed afterwards.
 *
 * <p>Driven through the page's own socket: the text frame handler is bound to a connection, so a
 * loopback server welcomes the page, answers its subscribes, and then sends the scripted frames.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("PageClient: a history batch counts as the event frames it stands for")
class PageClientHistoryBatchTest {

  private static final String A = "bench:a";
  private static final String B = "bench:b";

  /** Every event frame handed to the listener (first copies), as it was at delivery. */
  private final List<JsonObject> delivered = new CopyOnWriteArrayList<>();

  /** The same frames, the very objects handed to the listener, read again after the run. */
  private final List<JsonObject> handed = new CopyOnWriteArrayList<>();

  @Test
  @DisplayName(
      "a batch of N is N events with the batch's channel and epoch, in order;"
          + " a copy seen twice across a batch and an event frame is one duplicate")
  void batchIsItsEventFrames(Vertx vertx) throws Exception {
    PageClient page =
        run(
            vertx,
            Map.of(A, "e1"),
            batch(A, "e1", item(1), item(2), item(3)),
            event(A, "e1", 3),
            event(A, "e1", 4),
            batch(A, "e1", item(4), item(5)),
            event(A, "e1", 6));

    assertThat(delivered)
        .as("first copies, as the event frames of the same events would be")
        .containsExactly(
            event(A, "e1", 1),
            event(A, "e1", 2),
            event(A, "e1", 3),
            event(A, "e1", 4),
            event(A, "e1", 5),
            event(A, "e1", 6));
    assertThat(page.eventBatches()).isEqualTo(2);
    assertThat(page.<Long>ledger(A, ChannelLedger::received))
        .as("3 + 1 + 1 + 2 + 1 copies")
        .isEqualTo(8);
    assertThat(page.<Long>ledger(A, ChannelLedger::duplicates))
        .as("seq 3 (batch, then event frame) and seq 4 (event frame, then batch), once each")
        .isEqualTo(2);
    assertThat(page.<Long>ledger(A, ChannelLedger::last)).isEqualTo(6);
    assertThat(page.<Long>ledger(A, ChannelLedger::jumps)).isZero();
    assertThat(page.<Long>ledger(A, ChannelLedger::epochChanges)).isZero();
    for (long seq = 1; seq <= 6; seq++) {
      long s = seq;
      assertThat(page.<Boolean>ledger(A, l -> l.saw("e1", s))).as("e1:%d seen", s).isTrue();
    }
  }

  @Test
  @DisplayName(
      "completing an item in place carries nothing into another item, batch, channel or epoch,"
          + " and does not change a frame already handed over")
  void completionStaysWithItsEvent(Vertx vertx) throws Exception {
    PageClient page =
        run(
            vertx,
            Map.of(A, "e1", B, "f1"),
            batch(A, "e1", item(1), item(2).put("critical", true), item(3)),
            batch(B, "f1", item(1), item(2)),
            batch(A, "e2", item(1)),
            event(B, "f1", 3));

    List<JsonObject> expected =
        List.of(
            event(A, "e1", 1),
            event(A, "e1", 2).put("critical", true),
            event(A, "e1", 3),
            event(B, "f1", 1),
            event(B, "f1", 2),
            event(A, "e2", 1),
            event(B, "f1", 3));
    assertThat(delivered)
        .as("each item with its own batch's channel and epoch, and only its own fields")
        .containsExactlyElementsOf(expected);
    assertThat(handed)
        .as("the frames handed to the listener, read again once every frame was handled")
        .containsExactlyElementsOf(expected);
    assertThat(page.eventBatches()).isEqualTo(3);

    assertThat(page.<Long>ledger(A, ChannelLedger::received)).isEqualTo(4);
    assertThat(page.<Long>ledger(A, ChannelLedger::duplicates)).isZero();
    assertThat(page.<Long>ledger(A, ChannelLedger::epochChanges))
        .as("e1 -> e2, from the third batch's own epoch")
        .isEqualTo(1);
    assertThat(page.<String>ledger(A, ChannelLedger::epoch)).isEqualTo("e2");
    assertThat(page.<Boolean>ledger(A, l -> l.saw("f1", 1))).isFalse();

    assertThat(page.<Long>ledger(B, ChannelLedger::received)).isEqualTo(3);
    assertThat(page.<Long>ledger(B, ChannelLedger::duplicates)).isZero();
    assertThat(page.<Long>ledger(B, ChannelLedger::epochChanges)).isZero();
    assertThat(page.<String>ledger(B, ChannelLedger::epoch)).isEqualTo("f1");
    assertThat(page.<Long>ledger(B, ChannelLedger::last)).isEqualTo(3);
    assertThat(page.<Boolean>ledger(B, l -> l.saw("e1", 1))).isFalse();
  }

  /**
   * Starts a page subscribed to the channels of {@code subscribed} (each answered at seq 0 of its
   * epoch), sends {@code frames} on its connection once it is ready, and returns once the last
   * frame, an event frame, reached the listener.
   */
  private PageClient run(Vertx vertx, Map<String, String> subscribed, JsonObject... frames)
      throws Exception {
    Promise<ServerWebSocket> connection = Promise.promise();
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  ws.textMessageHandler(
                      text -> {
                        JsonObject frame = new JsonObject(text);
                        if ("subscribe".equals(frame.getString("type"))) {
                          String channel = frame.getString("channel");
                          ws.writeTextMessage(
                              new JsonObject()
                                  .put("type", "subscribed")
                                  .put("id", frame.getString("id"))
                                  .put("channel", channel)
                                  .put(
                                      "position",
                                      new JsonObject()
                                          .put("epoch", subscribed.get(channel))
                                          .put("seq", 0))
                                  .encode());
                        }
                      });
                  ws.writeTextMessage(
                      new JsonObject()
                          .put("type", "welcome")
                          .put("protocol", 1)
                          .put("connectionId", "c")
                          .put("nodeId", "n")
                          .encode());
                  connection.tryComplete(ws);
                });
    server
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    JsonObject last = frames[frames.length - 1];
    CompletableFuture<Void> lastHandled = new CompletableFuture<>();
    PageClient page =
        PageClientCloseCodeTest.page(vertx, server, ClientPolicy.browser().withoutReconnect());
    subscribed.keySet().forEach(page::subscribe);
    page.listener(
        new PageClient.Listener() {
          @Override
          public void onEvent(PageClient client, JsonObject frame, long receivedMicros) {
            delivered.add(frame.copy());
            handed.add(frame);
            if (frame.getString("channel").equals(last.getString("channel"))
                && frame.getLong("seq").equals(last.getLong("seq"))) {
              lastHandled.complete(null);
            }
          }
        });
    page.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

    ServerWebSocket ws =
        connection.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    for (JsonObject frame : frames) {
      ws.writeTextMessage(frame.encode());
    }
    // One socket, frames handled in order: once the last (an event frame) arrived, all were.
    lastHandled.get(20, TimeUnit.SECONDS);
    return page;
  }

  /** The {@code event} frame of one event, as the server sends it alone (PROTOCOL 6). */
  private static JsonObject event(String channel, String epoch, long seq) {
    return parsed(
        new JsonObject()
            .put("type", "event")
            .put("channel", channel)
            .put("epoch", epoch)
            .mergeIn(item(seq)));
  }

  /** One item of a history batch: the event frame without its type, channel and epoch. */
  private static JsonObject item(long seq) {
    return parsed(
        new JsonObject()
            .put("seq", seq)
            .put("id", "m" + seq)
            .put("ts", "2026-11-21T23:27:58.010Z")
            .put("data", new JsonObject().put("n", seq)));
  }

  /** An {@code events} frame: a history batch of {@code items} of one channel and epoch. */
  private static JsonObject batch(String channel, String epoch, JsonObject... items) {
    return new JsonObject()
        .put("type", "events")
        .put("channel", channel)
        .put("epoch", epoch)
        .put("events", new JsonArray(List.of((Object[]) items)));
  }

  /** {@code frame} as the page reads it off the wire (numbers as parsed, not as built). */
  private static JsonObject parsed(JsonObject frame) {
    return new JsonObject(frame.encode());
  }
}
