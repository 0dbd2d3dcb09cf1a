package dev.mesh.connection.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A real SSE client for tests: parses the stream into events (type, id, data) and lets a test await
 * them. An {@code events} batch is read as the {@code event} frames of its items (each with the
 * batch's {@code id:}), as a client must (PROTOCOL 3.3); {@link #wireEvents()} keeps the stream as
 * it came.
 */
public final class SseClient {

  /** One SSE event. */
  public record Event(String type, String id, JsonObject data) {}

  private final HttpClient http;
  private final int port;
  private final List<Event> events = new ArrayList<>();
  private final List<Event> wire = new ArrayList<>();
  private final List<Map.Entry<Predicate<Event>, Promise<Event>>> waiters = new ArrayList<>();
  private final StringBuilder pending = new StringBuilder();
  private final Promise<Void> ended = Promise.promise();
  private final List<String> comments = new ArrayList<>();
  private HttpClientResponse response;

  /** A client used only for {@link #post} (no stream). */
  public static SseClient forPosts(Vertx vertx, int port) {
    return new SseClient(vertx, port);
  }

  private SseClient(Vertx vertx, int port) {
    this.http = vertx.createHttpClient();
    this.port = port;
  }

  /** Opens {@code /sse?<query>}; fails with the HTTP status when the server refuses. */
  public static Future<SseClient> open(
      Vertx vertx, int port, String query, Map<String, String> headers) {
    SseClient client = new SseClient(vertx, port);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/sse?" + query);
    headers.forEach(options::addHeader);
    return client
        .http
        .request(options)
        .compose(request -> request.send())
        .compose(
            response -> {
              if (response.statusCode() != 200) {
                return response
                    .body()
                    .compose(
                        body -> Future.failedFuture("HTTP " + response.statusCode() + " " + body));
              }
              client.response = response;
              response.handler(chunk -> client.received(chunk.toString()));
              response.endHandler(v -> client.ended.tryComplete());
              response.exceptionHandler(e -> client.ended.tryComplete());
              return Future.succeededFuture(client);
            });
  }

  private synchronized void received(String chunk) {
    pending.append(chunk);
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      String type = null;
      String id = null;
      String data = null;
      for (String line : block.split("\n", -1)) {
        if (line.startsWith(":")) {
          comments.add(line);
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      if (type != null && data != null) {
        JsonObject frame = new JsonObject(data);
        wire.add(new Event(type, id, frame));
        if ("events".equals(type) && frame.getValue("events") instanceof JsonArray items) {
          for (Object item : items) {
            if (item instanceof JsonObject single) {
              record(
                  new Event(
                      "event",
                      id,
                      single
                          .copy()
                          .put("type", "event")
                          .put("channel", frame.getString("channel"))
                          .put("epoch", frame.getString("epoch"))));
            }
          }
        } else {
          record(new Event(type, id, frame));
        }
      }
    }
  }

  private void record(Event event) {
    events.add(event);
    // Completed after the loop: a waiter's continuation may add a waiter of its own.
    List<Promise<Event>> matched = new ArrayList<>();
    Iterator<Map.Entry<Predicate<Event>, Promise<Event>>> it = waiters.iterator();
    while (it.hasNext()) {
      var waiter = it.next();
      if (waiter.getKey().test(event)) {
        it.remove();
        matched.add(waiter.getValue());
      }
    }
    matched.forEach(promise -> promise.complete(event));
  }

  public synchronized Future<Event> await(Predicate<Event> predicate) {
    for (Event event : events) {
      if (predicate.test(event)) {
        return Future.succeededFuture(event);
      }
    }
    Promise<Event> promise = Promise.promise();
    waiters.add(Map.entry(predicate, promise));
    return promise.future();
  }

  public Future<Event> awaitType(String type) {
    return await(e -> type.equals(e.type()));
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** The stream's events as they came ({@code events} batches whole). */
  public synchronized List<Event> wireEvents() {
    return List.copyOf(wire);
  }

  public synchronized int comments() {
    return comments.size();
  }

  public Future<Void> ended() {
    return ended.future();
  }

  /** {@code POST /sse/<connectionId>}: status and body (empty string for 204). */
  public Future<Map.Entry<Integer, String>> post(
      String connectionId, String token, JsonObject frame) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/sse/" + connectionId)
            .addHeader("Content-Type", "application/json");
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    return http.request(options)
        .compose(request -> request.send(frame.encode()))
        .compose(
            response ->
                response.body().map(body -> Map.entry(response.statusCode(), body.toString())));
  }

  public void close() {
    if (response != null) {
      response.request().connection().close();
    }
  }
}
