package dev.mesh.connection.history;

import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.ResumeAcks;
import dev.mesh.common.replay.ResumeAcksRequest;
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
 * Shares one {@code mesh.replay.resume-acks} request among the pages of a node that subscribe to
 * the same channel at once. Each subscribing page of a user owes replay-service its ack cursor
 * (opened at the head it saw) and its pending critical events: two requests per page, which is what
 * a mass resume of a thousand pages spent most of its time on once their history reads were shared
 * ({@link HistoryCoalescer}).
 *
 * <p>As there: the first request of a channel is sent at once; those that arrive while it is in
 * flight wait for the next one, sent when it completes, for all of them (in requests of at most
 * {@link ResumeAcksRequest#MAX_USERS} users). No page is answered from a request sent before it
 * asked, so its cursor is always opened before its pending events are read.
 *
 * <p>Shared by the node's event loops; each answer is delivered on the context that asked.
 */
final class ResumeAcksCoalescer {

  /** Sends one request for many users of one channel. */
  interface Sender {
    Future<ResumeAcks> send(String channel, List<ResumeAcksRequest.User> users, boolean open);
  }

  /** Requests sent and pages that shared one, for metrics and tests. */
  interface Listener {
    void sent();

    void shared();
  }

  private record Key(String channel, boolean open) {}

  /**
   * A page's pending events, sliced from the shared reply; how many of them are its user's own
   * ({@link ResumeAcks#ownCount}); and whether they were cut short (then the rest is read on its
   * own, {@link ResumeAcks#cutShort}).
   */
  record Answer(PendingCritical pending, int ownCount, boolean cutShort) {}

  private record Waiter(ResumeAcksRequest.User user, Context context, Promise<Answer> answer) {}

  /** A request in flight for a key, and the pages waiting for the next one. */
  private static final class Flight {
    List<Waiter> next;
  }

  private final Sender sender;
  private final Listener listener;
  private final Map<Key, Flight> flights = new HashMap<>();

  ResumeAcksCoalescer(Sender sender, Listener listener) {
    this.sender = sender;
    this.listener = listener;
  }

  /**
   * The pending critical events of {@code user} on {@code channel}, after opening its cursor at the
   * user's position when {@code open}; at most the request's limit of them, fewer when the shared
   * reply had to be cut ({@link Answer#cutShort}).
   */
  Future<Answer> pending(String channel, ResumeAcksRequest.User user, boolean open) {
    Key key = new Key(channel, open);
    Waiter waiter = new Waiter(user, Vertx.currentContext(), Promise.promise());
    boolean sendNow;
    synchronized (this) {
      Flight flight = flights.get(key);
      sendNow = flight == null;
      if (sendNow) {
        flights.put(key, new Flight());
      } else {
        if (flight.next == null) {
          flight.next = new ArrayList<>();
        }
        flight.next.add(waiter);
      }
    }
    if (sendNow) {
      send(key, List.of(waiter));
    }
    return waiter.answer.future();
  }

  private void send(Key key, List<Waiter> waiters) {
    List<Future<?>> requests = new ArrayList<>();
    for (int from = 0; from < waiters.size(); from += ResumeAcksRequest.MAX_USERS) {
      List<Waiter> chunk =
          waiters.subList(from, Math.min(waiters.size(), from + ResumeAcksRequest.MAX_USERS));
      requests.add(sendChunk(key, chunk));
    }
    Future.join(requests)
        .onComplete(
            done -> {
              List<Waiter> following;
              synchronized (this) {
                Flight flight = flights.get(key);
                following = flight.next;
                flight.next = null;
                if (following == null) {
                  flights.remove(key);
                }
              }
              if (following != null) {
                send(key, following);
              }
            });
  }

  private Future<ResumeAcks> sendChunk(Key key, List<Waiter> chunk) {
    listener.sent();
    for (int i = 1; i < chunk.size(); i++) {
      listener.shared();
    }
    List<ResumeAcksRequest.User> users = new ArrayList<>(chunk.size());
    chunk.forEach(waiter -> users.add(waiter.user()));
    Future<ResumeAcks> request;
    try {
      request = sender.send(key.channel(), users, key.open());
    } catch (RuntimeException e) {
      request = Future.failedFuture(e);
    }
    return request.onComplete(
        done -> {
          Map<String, ResumeAcks.User> byUser = new HashMap<>();
          if (done.succeeded()) {
            done.result().users().forEach(user -> byUser.put(user.userId(), user));
          }
          for (Waiter waiter : chunk) {
            if (done.failed()) {
              answer(waiter, Future.failedFuture(done.cause()));
              continue;
            }
            ResumeAcks.User user = byUser.get(waiter.user().userId());
            if (user == null) {
              answer(
                  waiter,
                  Future.failedFuture(
                      new IllegalStateException(
                          "no answer for user " + waiter.user().userId() + " in resume-acks")));
              continue;
            }
            PendingCritical pending = done.result().pendingOf(user);
            answer(
                waiter,
                Future.succeededFuture(
                    new Answer(
                        pending,
                        done.result().ownCount(user, pending),
                        done.result().cutShort(user, pending))));
          }
        });
  }

  private static void answer(Waiter waiter, AsyncResult<Answer> done) {
    if (waiter.context() == null) {
      waiter.answer().handle(done);
    } else {
      waiter.context().runOnContext(v -> waiter.answer().handle(done));
    }
  }

  /** Channels with a request in flight (for tests). */
  synchronized int inFlight() {
    return flights.size();
  }
}
