package dev.mesh.replay.history;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Shares reads among identical concurrent requests, without ever answering a request with a read
 * issued before the request arrived: while a read for a key is in flight, new requests for that key
 * wait for the next read, which is issued once the current one completes and serves all of them. A
 * request that arrived after a subscriber's live consumer was registered therefore always sees
 * every event published before that registration.
 *
 * <p>Confined to one Vert.x context (the owning verticle's): not thread-safe, and needs no locks.
 *
 * @param <K> what makes two requests identical
 * @param <V> the read's result
 */
final class ReadCoalescer<K, V> {

  /** Called once per read actually issued, and once per request that shared another's read. */
  interface Listener {
    void issued();

    void shared();
  }

  private final Map<K, Flight<V>> flights = new HashMap<>();
  private final Listener listener;

  ReadCoalescer(Listener listener) {
    this.listener = listener;
  }

  private static final class Flight<V> {
    Supplier<Future<V>> reader;
    Promise<V> next;
  }

  Future<V> read(K key, Supplier<Future<V>> reader) {
    Flight<V> flight = flights.get(key);
    if (flight == null) {
      flight = new Flight<>();
      flights.put(key, flight);
      return issue(key, flight, reader);
    }
    flight.reader = reader;
    if (flight.next == null) {
      flight.next = Promise.promise();
    } else {
      listener.shared();
    }
    return flight.next.future();
  }

  private Future<V> issue(K key, Flight<V> flight, Supplier<Future<V>> reader) {
    listener.issued();
    Future<V> read;
    try {
      read = reader.get();
    } catch (RuntimeException e) {
      read = Future.failedFuture(e);
    }
    return read.andThen(
        done -> {
          Promise<V> waiting = flight.next;
          if (waiting == null) {
            flights.remove(key);
          } else {
            flight.next = null;
            issue(key, flight, flight.reader).onComplete(waiting);
          }
        });
  }

  /** Keys with a read in flight (for tests). */
  int inFlight() {
    return flights.size();
  }
}
