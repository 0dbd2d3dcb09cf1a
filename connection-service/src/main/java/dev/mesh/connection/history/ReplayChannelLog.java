package dev.mesh.connection.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.replay.ResetCause;
import dev.mesh.common.replay.ResumeAcksRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChannelLog} served by replay-service over the event bus. Redeliveries of unacknowledged
 * critical events are asked for on a subscription's first request only (when a user id is given),
 * and limited to events at or before the subscription's start: later ones arrive through the replay
 * or live anyway.
 */
public final class ReplayChannelLog implements ChannelLog {

  private static final Logger LOG = LoggerFactory.getLogger(ReplayChannelLog.class);

  private static final int MAX_REDELIVER = 100;

  private final ReplayClient replay;
  private final HistoryCoalescer reads;
  private final ResumeAcksCoalescer acks;

  public ReplayChannelLog(Vertx vertx) {
    this(vertx, new SimpleMeterRegistry());
  }

  /**
   * History reads of pages resuming the same channel together are shared ({@link
   * HistoryCoalescer}); {@code mesh_history_reads_total} counts the reads issued, {@code
   * mesh_history_reads_shared_total} the requests answered from another's read. Likewise their ack
   * cursors and pending critical events ({@link ResumeAcksCoalescer}): {@code
   * mesh_resume_acks_requests_total} counts the requests sent, {@code
   * mesh_resume_acks_shared_total} the pages answered by another page's request.
   */
  public ReplayChannelLog(Vertx vertx, MeterRegistry registry) {
    this.replay = new ReplayClient(vertx);
    Counter issued =
        Counter.builder("mesh_history_reads")
            .description("History reads of resuming pages sent to replay-service")
            .register(registry);
    Counter shared =
        Counter.builder("mesh_history_reads_shared")
            .description("History requests of resuming pages answered from another page's read")
            .register(registry);
    this.reads =
        new HistoryCoalescer(
            replay::history,
            new HistoryCoalescer.Listener() {
              @Override
              public void issued() {
                issued.increment();
              }

              @Override
              public void shared() {
                shared.increment();
              }
            });
    Counter acksSent =
        Counter.builder("mesh_resume_acks_requests")
            .description("Ack-cursor and pending-critical requests of subscribing pages")
            .register(registry);
    Counter acksShared =
        Counter.builder("mesh_resume_acks_shared")
            .description("Subscribing pages whose ack cursor and pending events shared a request")
            .register(registry);
    this.acks =
        new ResumeAcksCoalescer(
            (channel, users, open) -> replay.resumeAcks(channel, users, open, MAX_REDELIVER),
            new ResumeAcksCoalescer.Listener() {
              @Override
              public void sent() {
                acksSent.increment();
              }

              @Override
              public void shared() {
                acksShared.increment();
              }
            });
  }

  @Override
  public Future<Page> history(String channel, Position from, int limit, String userId) {
    Future<HistoryPage> page = reads.read(channel, from, from == null ? 0 : limit);
    if (userId == null) {
      return page.map(p -> toPage(p, List.of()));
    }
    return page.compose(
        p -> {
          long start = p.mustReset() || from == null ? p.head() : from.seq();
          // A user's ack cursor opens at the head on a first subscription: a newcomer is owed no
          // old critical events.
          // Their own user: stream is the exception: everything in it was addressed to them.
          boolean open = !channel.startsWith(ReplayClient.USER_CHANNEL_PREFIX);
          return acks.pending(
                  channel, new ResumeAcksRequest.User(userId, p.epoch(), p.head()), open)
              .compose(
                  answer ->
                      answer.cutShort()
                          ? readOn(channel, userId, answer.pending(), answer.ownCount())
                          : Future.succeededFuture(answer.pending()),
                  e -> {
                    // Any failure of the shared request (a replay-service without the address
                    // during a rolling upgrade, a timeout, one bad user refusing the batch) costs
                    // only this page a second try on its own: acks are cumulative, so a page left
                    // without its redelivery could acknowledge past the events it was owed.
                    if (!isNoHandlers(e)) {
                      LOG.debug(
                          "event=resume-acks-failed channel={} user={} cause=\"{}\"",
                          channel,
                          userId,
                          e.getMessage());
                    }
                    return pendingOnItsOwn(channel, userId, p, open);
                  })
              .map(
                  pending ->
                      pending.epoch() != null && pending.epoch().equals(p.epoch())
                          ? pending.events().stream().filter(e -> e.seq() <= start).toList()
                          : List.<Envelope>of())
              // Should the page's own reads fail too, its subscribe fails (unavailable, which the
              // client retries): subscribed without its redelivery, the page could acknowledge
              // past the critical events it was owed. Only a replay-service without acks at all
              // (no handler) leaves nothing to redeliver.
              .recover(
                  e ->
                      isNoHandlers(e)
                          ? Future.succeededFuture(List.<Envelope>of())
                          : Future.failedFuture(e))
              .map(redeliver -> toPage(p, redeliver));
        });
  }

  /**
   * The rest of a user's pending events that the shared reply's byte bound left out, read as {@code
   * mesh.replay.pending} alone would have: up to {@link #MAX_REDELIVER} of the user's own in all
   * ({@code own} of them already there), so that no page is redelivered fewer than it would have
   * been without sharing. Should the epoch have changed meanwhile, the events already there are
   * kept; should the read fail, so does the page's redelivery (and its subscribe, retried).
   */
  private Future<PendingCritical> readOn(
      String channel, String userId, PendingCritical first, int own) {
    List<Envelope> got = first.events();
    Position after =
        got.isEmpty() ? null : new Position(first.epoch(), got.get(got.size() - 1).seq());
    return replay
        .pendingCritical(userId, channel, after, MAX_REDELIVER - own)
        .map(
            rest -> {
              if (got.isEmpty()) {
                return rest;
              }
              if (!first.epoch().equals(rest.epoch())) {
                return first;
              }
              List<Envelope> all = new ArrayList<>(got);
              all.addAll(rest.events());
              return new PendingCritical(channel, first.epoch(), first.acked(), all, rest.more());
            });
  }

  /**
   * The two requests per page, as before {@code mesh.replay.resume-acks}: for a replay-service that
   * does not serve it yet (during a rolling upgrade), and for a page whose shared request failed.
   */
  private Future<PendingCritical> pendingOnItsOwn(
      String channel, String userId, HistoryPage page, boolean open) {
    Future<?> cursor =
        open
            ? replay
                .openAcks(userId, channel, new Position(page.epoch(), page.head()))
                .otherwise(e -> null)
            : Future.succeededFuture();
    return cursor.compose(v -> replay.pendingCritical(userId, channel, null, MAX_REDELIVER));
  }

  private static boolean isNoHandlers(Throwable e) {
    return e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS;
  }

  private static Page toPage(HistoryPage page, List<Envelope> redeliver) {
    String reset =
        page.reset() == null
            ? null
            : page.reset() == ResetCause.POSITION_TOO_OLD ? "position-too-old" : "epoch-changed";
    return new Page(page.epoch(), page.head(), page.events(), redeliver, page.more(), reset);
  }

  @Override
  public Future<Published> publish(
      String channel,
      String id,
      JsonNode data,
      boolean critical,
      String publisher,
      String userId,
      String connectionId) {
    return replay
        .publish(new PublishRequest(channel, id, data, critical, publisher, userId, connectionId))
        .map(r -> new Published(r.channel(), r.epoch(), r.seq(), r.ts(), r.duplicate()));
  }

  @Override
  public Future<Void> ack(String userId, String channel, String epoch, long seq) {
    return replay.ack(userId, channel, new Position(epoch, seq)).mapEmpty();
  }
}
