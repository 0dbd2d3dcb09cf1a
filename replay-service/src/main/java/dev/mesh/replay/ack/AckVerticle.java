package dev.mesh.replay.ack;

import com.hazelcast.core.HazelcastInstance;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.replay.AckRequest;
import dev.mesh.common.replay.AckResult;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PendingCriticalRequest;
import dev.mesh.common.replay.ResumeAcks;
import dev.mesh.common.replay.ResumeAcksRequest;
import dev.mesh.common.replay.store.AckMark;
import dev.mesh.common.replay.store.ChannelPolicy;
import dev.mesh.common.replay.store.ReadResult;
import dev.mesh.common.replay.store.StoredEvent;
import dev.mesh.replay.ChannelRules;
import dev.mesh.replay.ReplayMetrics;
import dev.mesh.replay.store.ChannelStore;
import dev.mesh.replay.store.StoreFailures;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Answers {@link Addresses#ACK} (a user's cumulative ack of a channel's critical events, stored in
 * Hazelcast so any node sees it) and {@link Addresses#PENDING_CRITICAL} (the critical events the
 * user has not acked and that are still in the history: what connection-service redelivers on
 * reconnect), and {@link Addresses#RESUME_ACKS}, both for the many users of pages resuming one
 * channel together. An ack is kept as long as the channel's events can be, so it never expires
 * before the events it covers.
 */
public final class AckVerticle extends VerticleBase {

  /** Most reads of critical events one resume-acks request makes (each from one cursor). */
  static final int MAX_CURSOR_READS = 8;

  private final HazelcastInstance hazelcast;
  private final ChannelRules rules;
  private final int maxPageSize;
  private final ReplayMetrics metrics;
  private ChannelStore store;

  public AckVerticle(
      HazelcastInstance hazelcast, ChannelRules rules, int maxPageSize, ReplayMetrics metrics) {
    this.hazelcast = hazelcast;
    this.rules = rules;
    this.maxPageSize = maxPageSize;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new ChannelStore(hazelcast, context);
    return Future.join(
        BusRequest.consumer(
                vertx.eventBus(), Addresses.ACK, RequestBody.of(AckRequest.class), this::ack)
            .completion(),
        BusRequest.consumer(
                vertx.eventBus(),
                Addresses.PENDING_CRITICAL,
                RequestBody.of(PendingCriticalRequest.class),
                this::pending)
            .completion(),
        BusRequest.consumer(
                vertx.eventBus(),
                Addresses.RESUME_ACKS,
                RequestBody.of(ResumeAcksRequest.class),
                this::resumeAcks)
            .completion());
  }

  private void ack(BusRequest<AckRequest> message) {
    AckRequest request = message.body();
    Optional<String> invalid =
        request == null
            ? Optional.of("an AckRequest body is required")
            : checkUserAndChannel(request.userId(), request.channel())
                .or(
                    () ->
                        request.epoch() == null || request.epoch().isBlank()
                            ? Optional.of("epoch is required")
                            : Optional.empty())
                .or(
                    () ->
                        request.seq() < 0
                            ? Optional.of("seq must be >= 0, was " + request.seq())
                            : Optional.empty());
    if (invalid.isPresent()) {
      message.fail(ErrorCodes.BAD_REQUEST, invalid.get());
      return;
    }
    ChannelPolicy policy = rules.policyFor(request.channel());
    store
        .head(request.channel(), policy)
        .compose(
            head -> {
              if (head == null || !head.epoch().equals(request.epoch())) {
                return Future.failedFuture(
                    new ReplyException(
                        ReplyFailure.RECIPIENT_FAILURE,
                        ErrorCodes.CONFLICT,
                        "epoch "
                            + request.epoch()
                            + " is not the current epoch of "
                            + request.channel()
                            + (head == null ? " (it has no history)" : " (" + head.epoch() + ")")));
              }
              if (request.seq() > head.head()) {
                return Future.failedFuture(
                    new ReplyException(
                        ReplyFailure.RECIPIENT_FAILURE,
                        ErrorCodes.BAD_REQUEST,
                        "seq "
                            + request.seq()
                            + " is beyond the head of "
                            + request.channel()
                            + " ("
                            + head.head()
                            + ")"));
              }
              return store.ack(
                  request.userId(),
                  request.channel(),
                  new AckMark(request.epoch(), request.seq()),
                  policy.idleMillis(),
                  request.initial());
            })
        .onSuccess(
            mark -> {
              metrics.acked();
              message.reply(
                  new AckResult(request.userId(), request.channel(), mark.epoch(), mark.seq()));
            })
        .onFailure(failure -> fail(message, failure));
  }

  private void pending(BusRequest<PendingCriticalRequest> message) {
    PendingCriticalRequest request = message.body();
    Optional<String> invalid =
        request == null
            ? Optional.of("a PendingCriticalRequest body is required")
            : checkUserAndChannel(request.userId(), request.channel())
                .or(
                    () ->
                        request.limit() != null && request.limit() < 0
                            ? Optional.of("limit must be >= 0, was " + request.limit())
                            : Optional.empty());
    if (invalid.isPresent()) {
      message.fail(ErrorCodes.BAD_REQUEST, invalid.get());
      return;
    }
    String channel = request.channel();
    int limit = request.limit() == null ? maxPageSize : Math.min(request.limit(), maxPageSize);
    store
        .pendingCritical(
            request.userId(), channel, request.after(), limit, rules.policyFor(channel))
        .onSuccess(
            pending -> {
              ReadResult result = pending.events();
              if (result == null) {
                message.reply(new PendingCritical(channel, null, 0, List.of(), false));
                return;
              }
              List<Envelope> events =
                  result.events().stream().map(e -> e.toEnvelope(channel, result.epoch())).toList();
              metrics.pendingReturned(events.size());
              message.reply(
                  new PendingCritical(
                      channel, result.epoch(), pending.ackedSeq(), events, result.more()));
            })
        .onFailure(failure -> fail(message, failure));
  }

  /**
   * {@code mesh.replay.resume-acks}: what {@code mesh.replay.ack} with {@code initial} and then
   * {@code mesh.replay.pending} answer for each user, for many users in one request. A user whose
   * position the ack would refuse (not the current epoch, beyond the head, no history) keeps its
   * cursor as it is and still gets its pending events, as a page that ignores the refused ack does.
   * The channel's head is read once, the cursors opened with one call per distinct position, and
   * the critical events read from the lowest cursor first, one read serving every cursor it covers
   * ({@link #readCursors}); the reply carries each distinct event once, within {@link
   * ResumeAcks#MAX_EVENTS_BYTES}, and each user's last one, for the edge to slice per user.
   */
  private void resumeAcks(BusRequest<ResumeAcksRequest> message) {
    ResumeAcksRequest request = message.body();
    Optional<String> invalid =
        request == null
            ? Optional.of("a ResumeAcksRequest body is required")
            : ClientIds.checkChannel(request.channel()).or(() -> checkResumeAcks(request));
    if (invalid.isPresent()) {
      message.fail(ErrorCodes.BAD_REQUEST, invalid.get());
      return;
    }
    String channel = request.channel();
    ChannelPolicy policy = rules.policyFor(channel);
    int limit = request.limit() == null ? maxPageSize : Math.min(request.limit(), maxPageSize);
    Set<String> userIds = new LinkedHashSet<>();
    request.users().forEach(user -> userIds.add(user.userId()));
    Future<Map<String, AckMark>> cursors =
        request.open()
            ? store.head(channel, policy).compose(head -> open(request, head, userIds, policy))
            : store.acksInCurrentEpoch(channel, userIds, policy);
    cursors
        .compose(
            byUser -> {
              Set<AckMark> distinct = new HashSet<>();
              userIds.forEach(userId -> distinct.add(byUser.get(userId)));
              Map<AckMark, Future<ReadResult>> reads = new HashMap<>();
              return readCursors(channel, new ArrayList<>(distinct), reads, null, limit, policy, 0)
                  .map(done -> reply(channel, limit, userIds, byUser, reads));
            })
        .onSuccess(message::reply)
        .onFailure(failure -> fail(message, failure));
  }

  private static Optional<String> checkResumeAcks(ResumeAcksRequest request) {
    if (request.users().isEmpty() || request.users().size() > ResumeAcksRequest.MAX_USERS) {
      return Optional.of(
          "1-" + ResumeAcksRequest.MAX_USERS + " users expected, was " + request.users().size());
    }
    if (request.limit() != null && request.limit() < 0) {
      return Optional.of("limit must be >= 0, was " + request.limit());
    }
    for (ResumeAcksRequest.User user : request.users()) {
      if (user == null) {
        return Optional.of("a user is required");
      }
      Optional<String> bad = ClientIds.checkUserId("userId", user.userId());
      if (bad.isPresent()) {
        return bad;
      }
      if (request.open() && (user.epoch() == null || user.epoch().isBlank() || user.seq() < 0)) {
        return Optional.of("an epoch and a seq >= 0 are required to open the cursor of a user");
      }
    }
    return Optional.empty();
  }

  /**
   * Opens the cursors the channel's {@code head} allows; for the others, whose opening it refuses,
   * reads their cursor of the head's epoch, unchanged.
   */
  private Future<Map<String, AckMark>> open(
      ResumeAcksRequest request, ReadResult head, Set<String> userIds, ChannelPolicy policy) {
    Map<String, AckMark> at = new HashMap<>();
    if (head != null) {
      for (ResumeAcksRequest.User user : request.users()) {
        if (head.epoch().equals(user.epoch()) && user.seq() <= head.head()) {
          at.putIfAbsent(user.userId(), new AckMark(user.epoch(), user.seq()));
        }
      }
    }
    Set<String> others = new HashSet<>(userIds);
    others.removeAll(at.keySet());
    Future<Map<String, AckMark>> opened =
        at.isEmpty()
            ? Future.succeededFuture(Map.of())
            : store.openAcks(request.channel(), at, policy.idleMillis());
    Future<Map<String, AckMark>> kept =
        others.isEmpty()
            ? Future.succeededFuture(Map.of())
            : store.acksIn(request.channel(), others, head == null ? null : head.epoch());
    return Future.all(opened, kept)
        .map(
            all -> {
              opened.result().keySet().forEach(userId -> metrics.acked());
              Map<String, AckMark> byUser = new HashMap<>(kept.result());
              byUser.putAll(opened.result());
              return byUser;
            });
  }

  /**
   * Reads the critical events after the lowest of the {@code uncovered} cursors, then gives every
   * cursor that read covers its own events from it, and reads again for the others: in the usual
   * resume all the cursors sit within the last {@code limit} critical events, and one read that
   * reaches the head serves them all. At most {@link #MAX_CURSOR_READS} reads: each holds up to
   * {@code limit} events of up to the channel's largest event size, and 500 users with 500 distinct
   * cursors could otherwise hold 500 × 100 events of 64 KiB, gigabytes, for a reply bounded to 1
   * MiB anyway. Cursors still uncovered then are left out of {@code reads}, and their users are
   * told to read on their own.
   */
  private Future<Void> readCursors(
      String channel,
      List<AckMark> uncovered,
      Map<AckMark, Future<ReadResult>> reads,
      String epoch,
      int limit,
      ChannelPolicy policy,
      int done) {
    if (uncovered.isEmpty() || done == MAX_CURSOR_READS) {
      return Future.succeededFuture();
    }
    // A loop, not Stream.min: a user without a cursor is a null one, which Optional refuses.
    AckMark lowest = uncovered.get(0);
    for (AckMark cursor : uncovered) {
      if (position(cursor, epoch) < position(lowest, epoch)) {
        lowest = cursor;
      }
    }
    AckMark readFrom = lowest;
    return store
        .criticalAfter(channel, readFrom, limit, policy)
        .compose(
            read -> {
              reads.put(readFrom, Future.succeededFuture(read));
              List<AckMark> rest = new ArrayList<>();
              for (AckMark cursor : uncovered) {
                if (Objects.equals(cursor, readFrom)) {
                  continue;
                }
                Optional<ReadResult> covered =
                    read == null ? Optional.empty() : coveredBy(read, readFrom, cursor, limit);
                if (read == null) {
                  // No history at all: nothing is pending after any cursor.
                  reads.put(cursor, Future.succeededFuture(null));
                } else if (covered.isPresent()) {
                  reads.put(cursor, Future.succeededFuture(covered.get()));
                } else {
                  rest.add(cursor);
                }
              }
              return readCursors(
                  channel,
                  rest,
                  reads,
                  read == null ? epoch : read.epoch(),
                  limit,
                  policy,
                  done + 1);
            });
  }

  /**
   * Where a read after {@code cursor} starts in {@code epoch}: its seq when it is a cursor of that
   * epoch, 0 otherwise (no cursor, or one of an earlier epoch, owes everything). Before the first
   * read the epoch is not known, and every cursor counts at its seq.
   */
  private static long position(AckMark cursor, String epoch) {
    if (cursor == null) {
      return 0;
    }
    return epoch == null || cursor.epoch().equals(epoch) ? cursor.seq() : 0;
  }

  /**
   * What a read after {@code cursor} would return, taken from {@code read} (after {@code
   * readFrom}), when {@code read} holds all of it: the cursor is at or above where the read
   * started, and the read either reached the head or holds {@code limit} events above the cursor.
   */
  private static Optional<ReadResult> coveredBy(
      ReadResult read, AckMark readFrom, AckMark cursor, int limit) {
    long start = position(readFrom, read.epoch());
    long from = position(cursor, read.epoch());
    // With a limit of 0 a read says nothing of what lies after it: each cursor is read itself.
    if (from < start || limit == 0) {
      return Optional.empty();
    }
    // The read holds at most limit events, so a covered cursor's are all those above it.
    List<StoredEvent> above = read.events().stream().filter(e -> e.seq() > from).toList();
    if (read.more() && above.size() < limit) {
      return Optional.empty();
    }
    return Optional.of(
        new ReadResult(
            read.epoch(), read.head(), above, read.more(), read.reset(), read.nextSeq()));
  }

  /**
   * Each distinct pending event once, ascending, within {@link ResumeAcks#MAX_EVENTS_BYTES}; each
   * user told whether more of its events are pending than the edge's slice of them will hold.
   */
  private ResumeAcks reply(
      String channel,
      int limit,
      Set<String> userIds,
      Map<String, AckMark> byUser,
      Map<AckMark, Future<ReadResult>> reads) {
    String epoch = null;
    for (String userId : userIds) {
      Future<ReadResult> read = reads.get(byUser.get(userId));
      ReadResult result = read == null ? null : read.result();
      if (result != null) {
        epoch = result.epoch();
        break;
      }
    }
    // The reads ran one after another: should the epoch have changed between them, only the
    // events of the first one found are sent, and the other users read theirs on their own.
    NavigableMap<Long, StoredEvent> distinct = new TreeMap<>();
    for (Future<ReadResult> read : reads.values()) {
      ReadResult result = read.result();
      if (result != null && result.epoch().equals(epoch)) {
        result.events().forEach(event -> distinct.putIfAbsent(event.seq(), event));
      }
    }
    List<Envelope> events = new ArrayList<>();
    long bytes = 0;
    long cutAt = Long.MAX_VALUE;
    for (StoredEvent event : distinct.values()) {
      long size =
          (long) event.json().getBytes(StandardCharsets.UTF_8).length
              + ResumeAcks.EVENT_OVERHEAD_BYTES;
      if (!events.isEmpty() && bytes + size > ResumeAcks.MAX_EVENTS_BYTES) {
        cutAt = event.seq();
        break;
      }
      bytes += size;
      events.add(event.toEnvelope(channel, epoch));
    }
    long firstLeftOut = cutAt;
    List<ResumeAcks.User> users = new ArrayList<>();
    for (String userId : userIds) {
      AckMark ack = byUser.get(userId);
      Future<ReadResult> read = reads.get(ack);
      if (read == null) {
        // Its cursor was not read (readCursors): no events here, and "more" with none of them
        // makes the edge read this user's pending events on its own.
        long acked = ack != null && ack.epoch().equals(epoch) ? ack.seq() : 0;
        users.add(new ResumeAcks.User(userId, epoch, acked, true, acked, 0));
        continue;
      }
      ReadResult result = read.result();
      if (result == null) {
        users.add(new ResumeAcks.User(userId, null, 0, false, 0L, 0));
        continue;
      }
      long acked = ack != null && ack.epoch().equals(result.epoch()) ? ack.seq() : 0;
      List<StoredEvent> pending = result.events();
      boolean cut;
      long through = acked;
      int own = 0;
      if (result.epoch().equals(epoch)) {
        List<StoredEvent> sent =
            pending.stream().filter(event -> event.seq() < firstLeftOut).toList();
        cut = sent.size() < pending.size();
        own = sent.size();
        if (!sent.isEmpty()) {
          through = sent.get(sent.size() - 1).seq();
        }
        metrics.pendingReturned(own);
      } else {
        cut = !pending.isEmpty();
      }
      users.add(
          new ResumeAcks.User(userId, result.epoch(), acked, result.more() || cut, through, own));
    }
    return new ResumeAcks(channel, epoch, limit, events, users);
  }

  private static void fail(BusRequest<?> message, Throwable failure) {
    if (failure instanceof ReplyException refused) {
      message.fail(refused.failureCode(), refused.getMessage());
    } else {
      message.fail(StoreFailures.code(failure), StoreFailures.message(failure));
    }
  }

  private static Optional<String> checkUserAndChannel(String userId, String channel) {
    return ClientIds.checkUserId("userId", userId).or(() -> ClientIds.checkChannel(channel));
  }
}
