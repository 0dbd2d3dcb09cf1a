package dev.mesh.replay;

import dev.mesh.common.replay.ResetCause;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;

/**
 * replay-service's meters. Cardinality is bounded: no meter is tagged by channel; the size of
 * channels' histories is a distribution over all channels, and resets are tagged only by their
 * three causes.
 */
public final class ReplayMetrics {

  private final Counter appended;
  private final Counter dedupeHits;
  private final Counter publishRejected;
  private final Timer publishLatency;
  private final DistributionSummary historySize;
  private final Counter replaysServed;
  private final Counter eventsReplayed;
  private final Map<ResetCause, Counter> resets = new EnumMap<>(ResetCause.class);
  private final Counter storeReads;
  private final Counter coalescedReads;
  private final Timer historyLatency;
  private final Counter acks;
  private final Counter criticalPending;

  public ReplayMetrics(MeterRegistry registry) {
    appended =
        Counter.builder("mesh_replay_events_appended")
            .description("Events appended to a channel's history (duplicates excluded)")
            .register(registry);
    dedupeHits =
        Counter.builder("mesh_replay_dedupe_hits")
            .description("Publishes whose message id was already in the channel's dedupe window")
            .register(registry);
    publishRejected =
        Counter.builder("mesh_replay_publish_rejected")
            .description("Publishes refused for bad input or size")
            .register(registry);
    publishLatency =
        Timer.builder("mesh_replay_publish_latency")
            .description("Time from a publish request's arrival to its reply")
            .publishPercentiles(0.5, 0.99)
            .publishPercentileHistogram()
            .register(registry);
    historySize =
        DistributionSummary.builder("mesh_replay_history_size_events")
            .description(
                "Events retained in a channel's history, sampled at each append (all channels together)")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    replaysServed =
        Counter.builder("mesh_replay_replays_served")
            .description("History requests answered with events or an empty page (resets excluded)")
            .register(registry);
    eventsReplayed =
        Counter.builder("mesh_replay_events_replayed")
            .description("Events returned by history requests")
            .register(registry);
    for (ResetCause cause : ResetCause.values()) {
      resets.put(
          cause,
          Counter.builder("mesh_replay_resets")
              .description("History requests answered with a reset, by cause")
              .tag("reason", cause.wireName())
              .register(registry));
    }
    storeReads =
        Counter.builder("mesh_replay_store_reads")
            .description("History reads sent to Hazelcast")
            .register(registry);
    coalescedReads =
        Counter.builder("mesh_replay_reads_coalesced")
            .description(
                "History requests answered by a Hazelcast read shared with identical concurrent requests")
            .register(registry);
    historyLatency =
        Timer.builder("mesh_replay_history_latency")
            .description("Time from a history request's arrival to its reply")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    acks =
        Counter.builder("mesh_replay_acks")
            .description("Critical-event acks received")
            .register(registry);
    criticalPending =
        Counter.builder("mesh_replay_critical_redelivered")
            .description("Unacknowledged critical events returned for redelivery")
            .register(registry);
  }

  public void appended(int retained) {
    appended.increment();
    historySize.record(retained);
  }

  public void dedupeHit() {
    dedupeHits.increment();
  }

  public void publishRejected() {
    publishRejected.increment();
  }

  public Timer publishLatency() {
    return publishLatency;
  }

  public Timer historyLatency() {
    return historyLatency;
  }

  public void served(int events) {
    replaysServed.increment();
    eventsReplayed.increment(events);
  }

  public void reset(ResetCause cause) {
    resets.get(cause).increment();
  }

  public void storeRead() {
    storeReads.increment();
  }

  public void coalesced() {
    coalescedReads.increment();
  }

  public void acked() {
    acks.increment();
  }

  public void pendingReturned(int events) {
    criticalPending.increment(events);
  }

  public double storeReads() {
    return storeReads.count();
  }

  public double coalescedReads() {
    return coalescedReads.count();
  }
}
