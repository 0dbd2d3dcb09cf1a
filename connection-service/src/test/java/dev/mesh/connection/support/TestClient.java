package dev.mesh.connection.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests: records every frame and lets a test await a frame matching a
 * predicate, or the close, as futures (no sleeping). As every Mesh client must (PROTOCOL 3.3), it
 * reads an {@code events} batch as the {@code event} frames of its items, in order: {@link
 * #frames()} holds those, {@link #wireFrames()} the frames as they came.
 */
public final class TestClient {

  private final List<JsonObject> frames = new ArrayList<>();
  private final List<JsonObject> wire = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Integer> closed = Promise.promise();
  private WebSocket socket;

  // Held so that the client is not garbage-collected (Vert.x closes unreachable clients) while the
  // socket lives: never read, and that is the point.
  @SuppressWarnings("UnusedVariable")
  private WebSocketClient client;

  private record Waiter(Predicate<JsonObject> predicate, Promise<JsonObject> promise) {}

  /**
   * Connects; completes when the upgrade succeeded (not when welcome arrived: see {@link
   * #welcome()}).
   */
  public static Future<TestClient> connect(
      Vertx vertx, int port, String token, String session, String tab, String page) {
    String uri = "/ws?session=" + session + "&tab=" + tab + "&page=" + page;
    WebSocketConnectOptions options =
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    return connect(vertx, options);
  }

  public static Future<TestClient> connect(Vertx vertx, WebSocketConnectOptions options) {
    WebSocketClient client = vertx.createWebSocketClient();
    TestClient test = new TestClient();
    test.client = client;
    return client
        .connect(options)
        .map(
            ws -> {
              test.socket = ws;
              ws.textMessageHandler(text -> test.received(new JsonObject(text)));
              ws.closeHandler(
                  v ->
                      test.closed.tryComplete(
                          ws.closeStatusCode() == null ? -1 : (int) ws.closeStatusCode()));
              return test;
            });
  }

  private synchronized void received(JsonObject frame) {
    wire.add(frame);
    if ("events".equals(frame.getString("type"))
        && frame.getValue("events") instanceof JsonArray items) {
      for (Object item : items) {
        if (item instanceof JsonObject event) {
          record(
              event
                  .copy()
                  .put("type", "event")
                  .put("channel", frame.getString("channel"))
                  .put("epoch", frame.getString("epoch")));
        }
      }
    } else {
      record(frame);
    }
  }

  private void record(JsonObject frame) {
    frames.add(frame);
    Iterator<Waiter> it = waiters.iterator();
    while (it.hasNext()) {
      Waiter waiter = it.next();
      if (waiter.predicate.test(frame)) {
        it.remove();
        waiter.promise.complete(frame);
      }
    }
  }

  /** The first frame (already received or still to come) that matches. */
  public synchronized Future<JsonObject> await(Predicate<JsonObject> predicate) {
    for (JsonObject frame : frames) {
      if (predicate.test(frame)) {
        return Future.succeededFuture(frame);
      }
    }
    Promise<JsonObject> promise = Promise.promise();
    waiters.add(new Waiter(predicate, promise));
    return promise.future();
  }

  public Future<JsonObject> awaitType(String type) {
    return await(f -> type.equals(f.getString("type")));
  }

  public Future<JsonObject> welcome() {
    return awaitType("welcome");
  }

  /** Completes with the close code the server sent (-1 when none). */
  public Future<Integer> closed() {
    return closed.future();
  }

  public synchronized List<JsonObject> frames() {
    return List.copyOf(frames);
  }

  /** Every frame as it came over the socket ({@code events} batches whole). */
  public synchronized List<JsonObject> wireFrames() {
    return List.copyOf(wire);
  }

  public synchronized List<JsonObject> framesOfType(String type) {
    return frames.stream().filter(f -> type.equals(f.getString("type"))).toList();
  }

  public Future<Void> send(JsonObject frame) {
    return socket.writeTextMessage(frame.encode());
  }

  public Future<Void> sendText(String text) {
    return socket.writeTextMessage(text);
  }

  public WebSocket socket() {
    return socket;
  }

  public Future<Void> close() {
    return socket.close((short) 1000, "bye");
  }
}
