package dev.mesh.replay.history;

import com.hazelcast.core.HazelcastInstance;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.MeshCodec;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.HistoryRequest;
import dev.mesh.common.replay.store.ReadResult;
import dev.mesh.replay.ChannelRules;
import dev.mesh.replay.ReplayMetrics;
import dev.mesh.replay.store.ChannelStore;
import dev.mesh.replay.store.StoreFailures;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Optional;

/**
 * Answers {@link Addresses#HISTORY} with exactly the events after the requested position, oldest
 * first and at most a page, or a reset naming its cause; never a partial replay. Identical
 * concurrent requests share one Hazelcast read ({@link ReadCoalescer}); the page is built once, and
 * encoded once, for all of them.
 */
public final class HistoryVerticle extends VerticleBase {

  private record ReadKey(String channel, String epoch, long seq, int limit) {}

  private final HazelcastInstance hazelcast;
  private final ChannelRules rules;
  private final int maxPageSize;
  private final ReplayMetrics metrics;
  private ChannelStore store;
  private ReadCoalescer<ReadKey, Served> coalescer;

  /**
   * A page and its shared wire form: every remote requester of a coalesced read gets the same
   * encoded bytes.
   */
  private record Served(HistoryPage page, MeshCodec.Shared reply) {}

  public HistoryVerticle(
      HazelcastInstance hazelcast, ChannelRules rules, int maxPageSize, ReplayMetrics metrics) {
    this.hazelcast = hazelcast;
    this.rules = rules;
    this.maxPageSize = maxPageSize;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new ChannelStore(hazelcast, context);
    coalescer =
        new ReadCoalescer<>(
            new ReadCoalescer.Listener() {
              @Override
              public void issued() {
                metrics.storeRead();
              }

              @Override
              public void shared() {
                metrics.coalesced();
              }
            });
    return BusRequest.consumer(
            vertx.eventBus(),
            Addresses.HISTORY,
            RequestBody.of(HistoryRequest.class),
            this::history)
        .completion();
  }

  private void history(BusRequest<HistoryRequest> message) {
    Timer.Sample started = Timer.start();
    HistoryRequest request = message.body();
    Optional<String> invalid = validate(request);
    if (invalid.isPresent()) {
      message.fail(ErrorCodes.BAD_REQUEST, invalid.get());
      return;
    }
    String channel = request.channel();
    Position after = request.after();
    int limit = request.limit() == null ? maxPageSize : Math.min(request.limit(), maxPageSize);
    ReadKey key =
        new ReadKey(
            channel, after == null ? null : after.epoch(), after == null ? -1 : after.seq(), limit);
    coalescer
        .read(
            key,
            () ->
                store
                    .read(channel, after, limit, rules.policyFor(channel))
                    .map(r -> served(channel, r)))
        .onSuccess(
            served -> {
              HistoryPage page = served.page();
              if (page.mustReset()) {
                metrics.reset(page.reset());
              } else {
                metrics.served(page.events().size());
              }
              message.reply(served.reply());
              started.stop(metrics.historyLatency());
            })
        .onFailure(
            failure -> message.fail(StoreFailures.code(failure), StoreFailures.message(failure)));
  }

  private static Served served(String channel, ReadResult result) {
    List<Envelope> events =
        result.events().stream().map(e -> e.toEnvelope(channel, result.epoch())).toList();
    HistoryPage page =
        new HistoryPage(
            channel,
            result.epoch(),
            result.head(),
            events,
            result.more(),
            result.reset(),
            new Position(result.epoch(), result.nextSeq()));
    return new Served(page, new MeshCodec.Shared(page));
  }

  private static Optional<String> validate(HistoryRequest request) {
    if (request == null) {
      return Optional.of("a HistoryRequest body is required");
    }
    Optional<String> channel = ClientIds.checkChannel(request.channel());
    if (channel.isPresent()) {
      return channel;
    }
    if (request.limit() != null && request.limit() < 0) {
      return Optional.of("limit must be >= 0, was " + request.limit());
    }
    return Optional.empty();
  }
}
