package dev.mesh.connection.history;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.ResetCause;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares one history read among the pages of a node that resume the same channel at once. When a
 * node dies, every page it held reconnects within seconds and asks for the same channel's history
 * from nearly the same position: asked one by one, replay-service reads and sends that history once
 * per page, and in a storm of thousands of pages the replies pile up in its heap and on the bus.
 *
 * <p>Requests for one {@code (channel, epoch)} that arrive while a read of it is in flight wait for
 * the next read, issued when the current one completes, from the lowest position among them; each
 * then gets its own slice of that read: the events after its position, at most its limit, and
 * {@code more} when the history goes on (also when the shared read ended before the waiter's page
 * would have: the subscriber then reads on, as after any page with {@code more}). No request is
 * ever answered from a read issued before it arrived, so a page whose live consumer was registered
 * before it asked sees every event published before that registration. A request the shared read
 * cannot answer exactly (a reset that depends on the position, a position beyond what was read) is
 * read on its own.
 *
 * <p>Shared by the node's event loops; each answer is delivered on the context that asked.
 */
final class HistoryCoalescer {

  /** Reads one page of history after a position, at most {@code limit} events. */
  interface Reader {
    Future<HistoryPage> read(String channel, Position after, int limit);
  }

  /** Reads issued and requests that shared a read, for metrics and tests. */
  interface Listener {
    void issued();

    void shared();
  }

  private record Key(String channel, String epoch) {}

  record Waiter(Position after, int limit, Context context, Promise<HistoryPage> answer) {}

  /** A read in flight for a key, and the requests waiting for the next one. */
  private static final class Flight {
    List<Waiter> next;
  }

  /** A shared read asks for at most this many times the largest page its waiters asked for. */
  private static final int SPREAD_PAGES = 4;

  private final Reader reader;
  private final Listener listener;
  private final Map<Key, Flight> flights = new HashMap<>();

  HistoryCoalescer(Reader reader, Listener listener) {
    this.reader = reader;
    this.listener = listener;
  }

  Future<HistoryPage> read(String channel, Position after, int limit) {
    if (after == null || limit <= 0) {
      return reader.read(channel, after, limit);
    }
    Key key = new Key(channel, after.epoch());
    Waiter waiter = new Waiter(after, limit, Vertx.currentContext(), Promise.promise());
    boolean issueNow;
    synchronized (this) {
      Flight flight = flights.get(key);
      issueNow = flight == null;
      if (issueNow) {
        flights.put(key, new Flight());
      } else {
        if (flight.next == null) {
          flight.next = new ArrayList<>();
        }
        flight.next.add(waiter);
      }
    }
    if (issueNow) {
      issue(key, List.of(waiter));
    }
    return waiter.answer.future();
  }

  private void issue(Key key, List<Waiter> waiters) {
    Position lowest = waiters.get(0).after;
    long highest = lowest.seq();
    int largestLimit = 0;
    for (Waiter waiter : waiters) {
      if (waiter.after.seq() < lowest.seq()) {
        lowest = waiter.after;
      }
      highest = Math.max(highest, waiter.after.seq());
      largestLimit = Math.max(largestLimit, waiter.limit);
    }
    // Enough to give the highest waiter a whole page too; replay-service caps it at its largest
    // page (MESH_REPLAY_MAX_PAGE), and a waiter cut short gets {@code more} and reads on.
    int limit =
        (int) Math.min((long) largestLimit * SPREAD_PAGES, largestLimit + highest - lowest.seq());
    listener.issued();
    for (int i = 1; i < waiters.size(); i++) {
      listener.shared();
    }
    Position from = lowest;
    Future<HistoryPage> read;
    try {
      read = reader.read(key.channel(), from, limit);
    } catch (RuntimeException e) {
      read = Future.failedFuture(e);
    }
    read.onComplete(
        done -> {
          List<Waiter> unserved = new ArrayList<>();
          for (Waiter waiter : waiters) {
            if (done.failed()) {
              answer(waiter, done);
              continue;
            }
            HistoryPage slice = slice(done.result(), from, waiter);
            if (slice == null) {
              unserved.add(waiter);
            } else {
              answer(waiter, Future.succeededFuture(slice));
            }
          }
          List<Waiter> following;
          synchronized (this) {
            Flight flight = flights.get(key);
            following = flight.next;
            flight.next = null;
            if (!unserved.isEmpty()) {
              // Read again for them, with those who came meanwhile: from the lowest of them.
              if (following != null) {
                unserved.addAll(following);
              }
              following = unserved;
            }
            if (following == null) {
              flights.remove(key);
            }
          }
          if (following != null) {
            issue(key, following);
          }
        });
  }

  /**
   * The page {@code waiter} would have read on its own, cut from {@code page} (read after {@code
   * from}); null when the shared read cannot tell it exactly.
   */
  static HistoryPage slice(HistoryPage page, Position from, Waiter waiter) {
    long after = waiter.after.seq();
    if (page.mustReset()) {
      // A reset for this very position is the waiter's own answer; a changed epoch is the same
      // answer for every position in that epoch; others depend on the position.
      return after == from.seq() || page.reset() == ResetCause.EPOCH_CHANGED ? page : null;
    }
    if (after > page.head() && page.epoch().equals(waiter.after.epoch())) {
      return new HistoryPage(
          page.channel(),
          page.epoch(),
          page.head(),
          List.of(),
          false,
          ResetCause.AHEAD,
          new Position(page.epoch(), page.head()));
    }
    long readUpTo = page.next().seq();
    if (after < from.seq() || after > readUpTo) {
      return null;
    }
    long end = Math.min(Math.min(page.head(), after + waiter.limit), readUpTo);
    if (end < Math.min(page.head(), after + waiter.limit) && end == after) {
      return null;
    }
    List<Envelope> events = new ArrayList<>();
    for (Envelope event : page.events()) {
      if (event.seq() > after && event.seq() <= end) {
        events.add(event);
      }
    }
    return new HistoryPage(
        page.channel(),
        page.epoch(),
        page.head(),
        events,
        end < page.head(),
        null,
        new Position(page.epoch(), end));
  }

  private static void answer(Waiter waiter, AsyncResult<HistoryPage> done) {
    if (waiter.context == null) {
      waiter.answer.handle(done);
    } else {
      waiter.context.runOnContext(v -> waiter.answer.handle(done));
    }
  }

  /** Keys with a read in flight (for tests). */
  synchronized int inFlight() {
    return flights.size();
  }
}
