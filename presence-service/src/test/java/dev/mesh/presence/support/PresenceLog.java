package dev.mesh.presence.support;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Every {@link PresenceChanged} one node receives, with its arrival time, and futures that complete
 * when enough matching events have arrived (or fail after a timeout, listing what did arrive).
 */
public final class PresenceLog {

  /** One event and when this node received it ({@link System#nanoTime()}). */
  public record Received(PresenceChanged event, long nanos) {}

  private record Waiter(
      Predicate<PresenceChanged> matching, int count, Promise<List<Received>> promise) {}

  private final Vertx vertx;
  private final List<Received> received = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final AtomicInteger mislabelled = new AtomicInteger();

  private PresenceLog(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Future<PresenceLog> attach(MeshNode node) {
    PresenceLog log = new PresenceLog(node.vertx());
    return node.vertx()
        .eventBus()
        .<PresenceChanged>consumer(
            Addresses.PRESENCE_EVENTS,
            m -> {
              // A change whose headers do not say what its body is never counts: every test that
              // awaits changes checks the headers too.
              if (labelled(m.headers(), m.body())) {
                log.add(m.body());
              } else {
                log.mislabelled.incrementAndGet();
              }
            })
        .completion()
        .map(log);
  }

  /** Whether the delivery headers name the change's level and channel, as consumers rely on. */
  static boolean labelled(MultiMap headers, PresenceChanged change) {
    String level = headers.get(PresenceChanged.LEVEL_HEADER);
    return change.channel() == null
        ? PresenceChanged.USER_LEVEL.equals(level)
            && headers.get(PresenceChanged.CHANNEL_HEADER) == null
        : PresenceChanged.CHANNEL_LEVEL.equals(level)
            && change.channel().equals(headers.get(PresenceChanged.CHANNEL_HEADER));
  }

  private void add(PresenceChanged event) {
    List<Waiter> done = new ArrayList<>();
    List<Received> snapshot;
    synchronized (this) {
      received.add(new Received(event, System.nanoTime()));
      snapshot = List.copyOf(received);
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter waiter = it.next();
        if (matching(snapshot, waiter.matching).size() >= waiter.count) {
          it.remove();
          done.add(waiter);
        }
      }
    }
    done.forEach(w -> w.promise.tryComplete(matching(snapshot, w.matching)));
  }

  /** Completes once {@code count} matching events have arrived (counting those already here). */
  public Future<List<Received>> await(
      Predicate<PresenceChanged> matching, int count, Duration timeout) {
    Promise<List<Received>> promise = Promise.promise();
    synchronized (this) {
      List<Received> already = matching(received, matching);
      if (already.size() >= count) {
        return Future.succeededFuture(already);
      }
      waiters.add(new Waiter(matching, count, promise));
    }
    vertx.setTimer(
        timeout.toMillis(),
        id -> {
          synchronized (this) {
            waiters.removeIf(w -> w.promise == promise);
          }
          promise.tryFail(
              new AssertionError(
                  "timed out after "
                      + timeout
                      + " waiting for "
                      + count
                      + " matching events; got "
                      + matching(matching).size()
                      + "; received "
                      + summary()
                      + (mislabelled.get() == 0
                          ? ""
                          : "; and " + mislabelled.get() + " without the right headers")));
        });
    return promise.future();
  }

  public Future<Received> await(Predicate<PresenceChanged> matching, Duration timeout) {
    return await(matching, 1, timeout).map(list -> list.get(0));
  }

  /**
   * The matching changes in the order of their versions: the order they happened in, which is what
   * a consumer following the protocol applies (events published by different updates may arrive out
   * of order; the version orders them).
   */
  public synchronized List<PresenceChange> changesInVersionOrder(
      Predicate<PresenceChanged> matching) {
    return matching(received, matching).stream()
        .map(Received::event)
        .sorted(java.util.Comparator.comparingLong(PresenceChanged::version))
        .map(PresenceChanged::change)
        .toList();
  }

  /** Compactly, every event received: {@code user[@channel]:change}. */
  public synchronized String summary() {
    return received.stream()
        .map(
            r ->
                r.event().userId()
                    + (r.event().channel() == null ? "" : "@" + r.event().channel())
                    + ":"
                    + r.event().change().wireName())
        .toList()
        .toString();
  }

  public synchronized List<PresenceChanged> all() {
    return received.stream().map(Received::event).toList();
  }

  public synchronized List<Received> matching(Predicate<PresenceChanged> matching) {
    return matching(received, matching);
  }

  public long count(Predicate<PresenceChanged> matching) {
    return matching(matching).size();
  }

  private static List<Received> matching(
      List<Received> events, Predicate<PresenceChanged> matching) {
    return events.stream().filter(r -> matching.test(r.event())).toList();
  }

  // --- predicates ---

  public static Predicate<PresenceChanged> user(String userId, PresenceChange change) {
    return e -> e.channel() == null && e.userId().equals(userId) && e.change() == change;
  }

  public static Predicate<PresenceChanged> user(String userId) {
    return e -> e.channel() == null && e.userId().equals(userId);
  }

  public static Predicate<PresenceChanged> member(
      String channel, String userId, PresenceChange change) {
    return e -> channel.equals(e.channel()) && e.userId().equals(userId) && e.change() == change;
  }

  public static Predicate<PresenceChanged> member(String channel, String userId) {
    return e -> channel.equals(e.channel()) && e.userId().equals(userId);
  }
}
