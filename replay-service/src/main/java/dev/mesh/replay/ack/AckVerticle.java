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
import dev.mesh.common.replay.store.AckMark;
import dev.mesh.common.replay.store.ChannelPolicy;
import dev.mesh.common.replay.store.ReadResult;
import dev.mesh.replay.ChannelRules;
import dev.mesh.replay.ReplayMetrics;
import dev.mesh.replay.store.ChannelStore;
import dev.mesh.replay.store.StoreFailures;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;
import java.util.Optional;

/**
 * Answers {@link Addresses#ACK} (a user's cumulative ack of a channel's critical events, stored in
 * Hazelcast so any node sees it) and {@link Addresses#PENDING_CRITICAL} (the critical events the
 * user has not acked and that are still in the history: what connection-service redelivers on
 * reconnect). An ack is kept as long as the channel's events can be, so it never expires before the
 * events it covers.
 */
public final class AckVerticle extends VerticleBase {

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

  private static void fail(BusRequest<?> message, Throwable failure) {
    if (failure instanceof ReplyException refused) {
      message.fail(refused.failureCode(), refused.getMessage());
    } else {
      message.fail(StoreFailures.code(failure), StoreFailures.message(failure));
    }
  }

  private static Optional<String> checkUserAndChannel(String userId, String channel) {
    return ClientIds.checkId("userId", userId).or(() -> ClientIds.checkChannel(channel));
  }
}
