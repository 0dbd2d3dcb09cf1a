package dev.mesh.presence.ops;

import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.state.Effect;
import dev.mesh.common.presence.state.UserTally;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * presence-service's meters. Counters count what this instance did (its atomic updates made the
 * effect), so they add up across instances; the gauges are cluster-wide totals computed by {@link
 * StatsVerticle}, the same on every instance (take one, do not add them).
 */
public final class PresenceMetrics {

  /** Whether an effect concerned a user or a channel member. */
  public enum Level {
    USER,
    CHANNEL
  }

  private final MeterRegistry registry;
  private final Map<PresenceChange, Counter> published = new EnumMap<>(PresenceChange.class);
  private final AtomicLong online = new AtomicLong();
  private final AtomicLong reconnecting = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();

  public PresenceMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("mesh.presence.users.online", online, AtomicLong::get)
        .description("Users online (debounce included), cluster-wide")
        .register(registry);
    Gauge.builder("mesh.presence.users.reconnecting", reconnecting, AtomicLong::get)
        .description("Users in their grace period, cluster-wide")
        .register(registry);
    Gauge.builder("mesh.presence.connections", connections, AtomicLong::get)
        .description("Open connections counted by presence, cluster-wide")
        .register(registry);
    for (PresenceChange change : PresenceChange.values()) {
      published.put(
          change,
          Counter.builder("mesh.presence.events")
              .tag("change", change.wireName())
              .description("Presence changes published by this instance")
              .register(registry));
    }
    // Every labelled counter exists from the start at 0: Prometheus' rate() and the alert rules
    // cannot see the first
    // increment of a series that appears with it.
    for (Level level : Level.values()) {
      for (Effect effect : Effect.values()) {
        String name = effectCounter(effect);
        if (name != null) {
          counter(name, level);
        }
      }
      counter("mesh.presence.flaps.avoided", level);
      for (boolean restored : new boolean[] {false, true}) {
        reconciledCounter(level, restored);
      }
    }
    registry.counter("mesh.presence.channel.full");
  }

  private static String effectCounter(Effect effect) {
    return switch (effect) {
      case GRACE_STARTED -> "mesh.presence.grace.started";
      case GRACE_CANCELLED -> "mesh.presence.grace.cancelled";
      case GRACE_EXPIRED -> "mesh.presence.grace.expired";
      case DEBOUNCE_STARTED -> "mesh.presence.debounce.started";
      case DEBOUNCE_CANCELLED -> "mesh.presence.debounce.cancelled";
      case DEBOUNCE_EXPIRED -> "mesh.presence.debounce.expired";
      default -> null;
    };
  }

  /** Counts what an atomic update of this instance did. */
  public void effect(Level level, Effect effect) {
    String name = effectCounter(effect);
    if (name != null) {
      counter(name, level).increment();
    }
    if (effect == Effect.GRACE_CANCELLED || effect == Effect.DEBOUNCE_CANCELLED) {
      // A return inside the window: the offline/online (leave/join) pair that was not emitted.
      counter("mesh.presence.flaps.avoided", level).increment();
    }
  }

  public void published(PresenceChange change) {
    published.get(change).increment();
  }

  /**
   * A repair by reconciliation: a ghost removed (a connection counted that no longer exists), or,
   * when {@code restored}, an open connection the registry holds that presence had not counted.
   */
  public void reconciled(Level level, boolean restored) {
    reconciledCounter(level, restored).increment();
  }

  private Counter reconciledCounter(Level level, boolean restored) {
    return registry.counter(
        "mesh.presence.reconciled",
        "level",
        level.name().toLowerCase(java.util.Locale.ROOT),
        "action",
        restored ? "restored" : "removed");
  }

  /** A join refused because the channel was at its member limit. */
  public void channelFull() {
    registry.counter("mesh.presence.channel.full").increment();
  }

  public void tally(UserTally.Counts counts) {
    online.set(counts.online());
    reconnecting.set(counts.reconnecting());
    connections.set(counts.connections());
  }

  private Counter counter(String name, Level level) {
    return registry.counter(name, "level", level.name().toLowerCase(java.util.Locale.ROOT));
  }
}
