package dev.mesh.connection.ops;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.http.HttpDeadlines;
import dev.mesh.common.protocol.CloseCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * connection-service's meters (docs/ARCHITECTURE.md §7), all tagged by the registry's common tags
 * (service).
 */
public final class ConnectionMetrics {

  private final MeterRegistry registry;
  private final java.util.List<HttpDeadlines> deadlines =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<CloseReason, Counter> closed = new EnumMap<>(CloseReason.class);
  private final Map<Transport, Counter> opened = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> admitted = new EnumMap<>(Transport.class);
  private final Map<Transport, Map<dev.mesh.connection.admission.Admission.Cause, Counter>>
      deferred = new EnumMap<>(Transport.class);
  private final Timer admissionHint;
  private volatile java.util.function.IntSupplier admissionInFlight = () -> 0;
  private volatile java.util.function.LongSupplier admissionQueued = () -> 0;
  public final Counter zombies;
  public final Counter replaced;
  public final Counter messagesIn;
  public final Counter messagesOut;
  public final Counter messagesDropped;
  public final Counter bytesIn;
  public final Counter bytesOut;
  public final Counter rateLimited;
  public final Counter oversized;
  public final Counter errorFrames;
  public final Timer deliveryLatency;
  public final Timer subscribeLatency;
  public final DistributionSummary broadcastFanout;
  public final DistributionSummary historyBatchEvents;
  public final DistributionSummary registerBatch;
  public final DistributionSummary unregisterBatch;
  private final AtomicLong registryEntries = new AtomicLong();
  private final AtomicLong ghosts = new AtomicLong();

  public ConnectionMetrics(MeterRegistry registry, ToIntFunction<Transport> active) {
    this.registry = registry;
    for (Transport transport : Transport.values()) {
      Gauge.builder("mesh_connections_active", () -> active.applyAsInt(transport))
          .description("Connections open on this node")
          .tag("transport", transport.wireName())
          .register(registry);
      opened.put(
          transport,
          Counter.builder("mesh_connections_opened_total")
              .tag("transport", transport.wireName())
              .description("Connections opened")
              .register(registry));
      admitted.put(
          transport,
          Counter.builder("mesh_admission_admitted_total")
              .tag("transport", transport.wireName())
              .description(
                  "New connections let past admission control (then authenticated and registered)")
              .register(registry));
      Map<dev.mesh.connection.admission.Admission.Cause, Counter> byCause =
          new EnumMap<>(dev.mesh.connection.admission.Admission.Cause.class);
      for (dev.mesh.connection.admission.Admission.Cause cause :
          dev.mesh.connection.admission.Admission.Cause.values()) {
        byCause.put(
            cause,
            Counter.builder("mesh_admission_deferred_total")
                .tag("transport", transport.wireName())
                .tag("cause", cause.tag())
                .description("New connections told to come back later (close 4006 or SSE 503)")
                .register(registry));
      }
      deferred.put(transport, byCause);
    }
    for (CloseReason reason : CloseReason.values()) {
      closed.put(
          reason,
          Counter.builder("mesh_connections_closed_total")
              .tag("reason", reason.wireName())
              .description("Connections closed, by reason")
              .register(registry));
    }
    // Labelled counters exist from the start at 0 (Prometheus' rate() cannot see the first
    // increment of a series that
    // appears with it): auth failures by cause, refusals by the codes admission refuses with.
    for (dev.mesh.connection.auth.AuthFailure.Cause cause :
        dev.mesh.connection.auth.AuthFailure.Cause.values()) {
      registry.counter("mesh_auth_failures_total", "cause", cause.tag());
    }
    for (CloseCode code : REFUSAL_CODES) {
      registry.counter("mesh_connections_refused_total", "code", Integer.toString(code.code()));
    }
    zombies =
        counter(
            "mesh_zombies_terminated_total",
            "Silent connections terminated by the heartbeat check");
    replaced =
        counter(
            "mesh_duplicates_replaced_total",
            "Connections replaced by a newer one of the same page");
    messagesIn = counter("mesh_messages_in_total", "Frames received from clients");
    messagesOut = counter("mesh_messages_out_total", "Frames sent to clients");
    messagesDropped =
        counter("mesh_messages_dropped_total", "Non-critical frames dropped for slow readers");
    bytesIn = counter("mesh_bytes_in_total", "Bytes received from clients");
    bytesOut = counter("mesh_bytes_out_total", "Bytes sent to clients (frame text length)");
    rateLimited =
        counter("mesh_rate_limited_total", "Frames refused by the per-connection rate limit");
    oversized = counter("mesh_oversized_total", "Connections closed for an oversized frame");
    errorFrames = counter("mesh_error_frames_total", "Error frames sent to clients");
    deliveryLatency =
        Timer.builder("mesh_delivery_latency")
            .description("From the event's append time to its write on this node")
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    subscribeLatency =
        Timer.builder("mesh_subscribe_latency")
            .description(
                "From a subscribe frame to its subscribed reply (history fetched when resuming)")
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    admissionHint =
        Timer.builder("mesh_admission_retry_after")
            .description("Retry-after hints given to deferred connections")
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    broadcastFanout =
        DistributionSummary.builder("mesh_broadcast_fanout")
            .description("Local subscribers written per channel event")
            .register(registry);
    historyBatchEvents =
        DistributionSummary.builder("mesh_history_batch_events")
            .description("Replayed events written in one events frame (one write and flush)")
            .register(registry);
    registerBatch =
        DistributionSummary.builder("mesh_registry_register_batch")
            .description("Connection registrations sent to the registry in one Hazelcast call")
            .register(registry);
    unregisterBatch =
        DistributionSummary.builder("mesh_registry_unregister_batch")
            .description("Connection removals sent to the registry in one Hazelcast call")
            .register(registry);
    Gauge.builder("mesh_registry_entries", registryEntries, AtomicLong::get)
        .description("Registry entries naming this node (last consistency check)")
        .register(registry);
    Gauge.builder("mesh_registry_ghosts", ghosts, AtomicLong::get)
        .description(
            "Difference between registry entries naming this node and its open sockets (should be 0)")
        .register(registry);
  }

  /** The codes a connection can be refused with right after its upgrade (docs/PROTOCOL.md 5.1). */
  private static final List<CloseCode> REFUSAL_CODES =
      List.of(
          CloseCode.GOING_AWAY,
          CloseCode.INTERNAL_ERROR,
          CloseCode.NODE_FULL,
          CloseCode.FORBIDDEN,
          CloseCode.TOO_MANY_CONNECTIONS,
          CloseCode.REPLACED,
          CloseCode.BAD_IDENTITY,
          CloseCode.STALE_ATTEMPT);

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  /**
   * Gauges of the admission gate: connections being admitted, deferred clients whose slot is still
   * to come, the admissions per second the hints are spaced for.
   */
  public void admission(
      java.util.function.IntSupplier inFlight,
      java.util.function.LongSupplier queued,
      java.util.function.DoubleSupplier pacePerSecond) {
    this.admissionInFlight = inFlight;
    this.admissionQueued = queued;
    // Held strongly: a gauge keeps only a weak reference to its object, and nothing else holds
    // this supplier (a method reference made for the call).
    Gauge.builder(
            "mesh_admission_pace", pacePerSecond, java.util.function.DoubleSupplier::getAsDouble)
        .strongReference(true)
        .description(
            "Admissions per second the deferral hints are spaced for: the admission rate, or"
                + " fewer when admissions take long")
        .baseUnit("per_second")
        .register(registry);
    Gauge.builder("mesh_admission_in_flight", this, m -> m.admissionInFlight.getAsInt())
        .description("New connections between their upgrade and their welcome or refusal")
        .register(registry);
    Gauge.builder("mesh_admission_queue", this, m -> m.admissionQueued.getAsLong())
        .description("Deferred connections told to come back whose slot is still to come")
        .register(registry);
  }

  public void admitted(Transport transport) {
    admitted.get(transport).increment();
  }

  public void deferred(
      Transport transport, dev.mesh.connection.admission.Admission.Cause cause, long retryAfterMs) {
    deferred.get(transport).get(cause).increment();
    admissionHint.record(retryAfterMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public void opened(Transport transport) {
    opened.get(transport).increment();
  }

  public void closed(CloseReason reason) {
    closed.get(reason).increment();
  }

  public void refused(CloseCode code) {
    registry
        .counter("mesh_connections_refused_total", "code", Integer.toString(code.code()))
        .increment();
  }

  public void authFailure(String cause) {
    registry.counter("mesh_auth_failures_total", "cause", cause).increment();
  }

  /**
   * A request refused by a per-address rate ({@code door}: connect, ticket, post), answered 429.
   */
  public void rateLimited(String door) {
    registry.counter("mesh_http_rate_limited_total", "door", door).increment();
  }

  /**
   * The request deadlines of one public server (one per event loop): the connections they closed
   * (slow or idle clients) and the ones they track now (awaiting, reading or being answered a
   * request; accepted WebSockets and SSE streams are not). Each meter is the sum over the loops.
   */
  public synchronized void deadlines(HttpDeadlines loopDeadlines) {
    deadlines.add(loopDeadlines);
    if (deadlines.size() > 1) {
      return;
    }
    // The meters hold their object weakly: this (kept by the edge) is the object, the deadlines a
    // field of it.
    io.micrometer.core.instrument.FunctionCounter.builder(
            "mesh_http_deadline_closed_total",
            this,
            m -> m.deadlines.stream().mapToLong(HttpDeadlines::closedCount).sum())
        .description("connections closed for sending no complete request in time")
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder(
            "mesh_http_pending_connections",
            this,
            m -> m.deadlines.stream().mapToInt(HttpDeadlines::tracked).sum())
        .description(
            "connections of the public port awaiting, sending or being answered a request"
                + " (not accepted WebSockets or SSE streams)")
        .register(registry);
  }

  /**
   * The node's cache of verified tokens: how often a reconnect was spared a full verification, and
   * how many tokens it holds. The cache itself is the meters' object (kept by the node).
   */
  public <C> void verifiedTokens(
      C cache, java.util.function.ToLongFunction<C> hits, ToIntFunction<C> size) {
    io.micrometer.core.instrument.FunctionCounter.builder(
            "mesh_token_cache_hits_total", cache, c -> hits.applyAsLong(c))
        .description("tokens accepted from the node's cache of verified tokens, not verified again")
        .register(registry);
    Gauge.builder("mesh_token_cache_tokens", cache, c -> size.applyAsInt(c))
        .description("tokens in the node's cache of verified tokens")
        .register(registry);
  }

  public long ghosts() {
    return ghosts.get();
  }

  public void consistency(long entries, long sockets) {
    registryEntries.set(entries);
    ghosts.set(Math.abs(entries - sockets));
  }
}
