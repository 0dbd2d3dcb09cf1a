package dev.mesh.connection.admission;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The gate every new connection passes before this node spends anything on it (authentication,
 * registry write, {@code welcome}): admitted while fewer than {@code maxInFlight} connections are
 * being admitted and the token bucket ({@code ratePerSecond}, {@code burst}) has a token, deferred
 * otherwise (docs/PROTOCOL.md 1.2 step 3b).
 *
 * <p>A deferred client is given a retry-after hint that places it in a virtual queue served at the
 * admission rate: the first waits a short moment, each next one 1/rate longer, so the hints spread
 * the crowd over a window that grows with the queue and the clients come back at about the rate
 * they can be admitted. Nothing is held for a deferred client; the queue is only the time its slots
 * reach into the future, which elapses by itself.
 *
 * <p>A slot is 1/rate, or longer when the node admits fewer than that: by Little's law a node that
 * holds {@code maxInFlight} permits for {@code t} each admits {@code maxInFlight / t} a second, so
 * the slot is at least the recent hold time (a moving average) over {@code maxInFlight}. Spaced at
 * the configured rate alone, a storm on a node slowed down to a twentieth of it was told to come
 * back twenty times too soon: each client was deferred again and again, every deferral an upgrade
 * and a close, and the admissions that did go through waited past the clients' connect timeout.
 *
 * <p>A {@link Permit} must be released when its connection is open or refused; a permit held longer
 * than {@link #MAX_HOLD_NANOS} (a path that forgot it) stops counting, so a bug cannot close the
 * door for good. Safe to call from any thread.
 */
public final class Admission {

  /** The shortest hint: a deferred client does not come straight back. */
  static final long MIN_HINT_NANOS = 250_000_000L;

  /**
   * Longer than any admission takes (request deadline, registry write): such a permit was
   * forgotten.
   */
  static final long MAX_HOLD_NANOS = 60_000_000_000L;

  /** Why a connection was deferred. */
  public enum Cause {
    /** More connections per second than {@code MESH_ADMISSION_RATE} (and its burst). */
    RATE("rate"),
    /** {@code MESH_ADMISSION_MAX_IN_FLIGHT} connections are being admitted already. */
    IN_FLIGHT("in-flight");

    private final String tag;

    Cause(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  /** What the gate decided: a permit to go on with, or a deferral with its hint. */
  public sealed interface Decision permits Permit, Deferral {}

  /** Admitted: release once the connection is open or refused (idempotent). */
  public final class Permit implements Decision {
    private final long acquiredNanos;

    private Permit(long acquiredNanos) {
      this.acquiredNanos = acquiredNanos;
    }

    public void release() {
      synchronized (Admission.this) {
        if (held.remove(this)) {
          observeHold(nanoClock.getAsLong() - acquiredNanos);
        }
      }
    }
  }

  /**
   * Deferred: come back after {@code retryAfterMs}.
   *
   * @param queued clients deferred before this one whose slot is still to come (this one not
   *     included)
   */
  public record Deferral(long retryAfterMs, Cause cause, long queued) implements Decision {}

  private final AdmissionOptions options;
  private final LongSupplier nanoClock;
  private final double tokensPerNano;
  private final long slotNanos;

  /** Moving average of how long a permit is held; negative until one was released. */
  private double holdNanos = -1;

  private final LinkedHashSet<Permit> held = new LinkedHashSet<>();
  private double tokens;
  private long refilledAt;

  /** When the last slot handed to a deferred client comes: the end of the virtual queue. */
  private long queueEnd;

  /** Where the current run of the queue began: its first slot is one slot after it. */
  private long queueStart;

  /** Slots handed out in the current run of the queue (its slots may differ in length). */
  private long queueSlots;

  public Admission(AdmissionOptions options) {
    this(options, System::nanoTime);
  }

  Admission(AdmissionOptions options, LongSupplier nanoClock) {
    this.options = options;
    this.nanoClock = nanoClock;
    this.tokensPerNano = options.ratePerSecond() / 1e9;
    this.slotNanos = Math.max(1, 1_000_000_000L / options.ratePerSecond());
    this.tokens = options.burst();
    this.refilledAt = nanoClock.getAsLong();
    this.queueEnd = refilledAt;
    this.queueStart = refilledAt;
  }

  /** Admits one new connection, or defers it with a hint. */
  public synchronized Decision enter() {
    long now = nanoClock.getAsLong();
    expireForgotten(now);
    if (held.size() >= options.maxInFlight()) {
      return defer(now, Cause.IN_FLIGHT);
    }
    tokens = Math.min(options.burst(), tokens + (now - refilledAt) * tokensPerNano);
    refilledAt = now;
    if (tokens < 1) {
      return defer(now, Cause.RATE);
    }
    tokens -= 1;
    Permit permit = new Permit(now);
    held.add(permit);
    return permit;
  }

  /**
   * The next slot of the virtual queue: right after the last one handed out, or after the shortest
   * hint when the queue has drained. Past the longest hint the queue does not grow: those clients
   * are spread at random over its second half (they may be deferred again, with a fresh place).
   */
  private Deferral defer(long now, Cause cause) {
    long queued = queuedAt(now);
    if (queueEnd < now + MIN_HINT_NANOS) {
      // The queue has drained (or is about to): a new run starts after the shortest hint.
      queueStart = now + MIN_HINT_NANOS;
      queueSlots = 0;
    }
    long slot = Math.max(queueEnd, queueStart) + slotNanos();
    long maxHint = options.maxHint().toNanos();
    long wait;
    if (slot - now > maxHint) {
      wait = maxHint / 2 + ThreadLocalRandom.current().nextLong(maxHint / 2 + 1);
    } else {
      queueEnd = slot;
      queueSlots++;
      wait = slot - now;
    }
    return new Deferral((wait + 999_999) / 1_000_000, cause, queued);
  }

  /** Weight of the latest hold in its moving average: about the last ten admissions count. */
  private static final double HOLD_WEIGHT = 0.1;

  /**
   * Longest hold the average takes in: the browser client abandons an attempt without welcome after
   * 10 s, so one stuck admission must not set the pace for the next ones.
   */
  static final long MAX_OBSERVED_HOLD_NANOS = 10_000_000_000L;

  private void observeHold(long nanos) {
    long hold = Math.min(nanos, MAX_OBSERVED_HOLD_NANOS);
    holdNanos = holdNanos < 0 ? hold : holdNanos + HOLD_WEIGHT * (hold - holdNanos);
  }

  /**
   * Time between two admissions at the pace this node can keep: 1/rate, or, while at least half the
   * in-flight limit is taken, the hold time over the limit when that is longer. Below half the node
   * keeps up and the rate binds; after a storm an idle node is back at its rate at once.
   */
  private long slotNanos() {
    if (holdNanos <= 0 || held.size() * 2 < options.maxInFlight()) {
      return slotNanos;
    }
    return Math.max(slotNanos, (long) (holdNanos / options.maxInFlight()));
  }

  /** The admissions per second the hints are spaced for now (for metrics and tests). */
  public synchronized double pacePerSecond() {
    return 1e9 / slotNanos();
  }

  private void expireForgotten(long now) {
    Iterator<Permit> oldest = held.iterator();
    while (oldest.hasNext()) {
      Permit permit = oldest.next();
      if (now - permit.acquiredNanos < MAX_HOLD_NANOS) {
        return;
      }
      oldest.remove();
    }
  }

  /** Connections being admitted now. */
  public synchronized int inFlight() {
    return held.size();
  }

  /** Deferred clients whose slot is still to come. */
  public synchronized long queued() {
    return queuedAt(nanoClock.getAsLong());
  }

  /**
   * Slots handed out that are still to come at {@code now}: the clients queued ahead of a new one.
   */
  private long queuedAt(long now) {
    long ahead = queueEnd - Math.max(now, queueStart);
    if (ahead <= 0 || queueSlots == 0) {
      return 0;
    }
    // The slots of a run may differ in length (the pace changed while it grew): count them at
    // the run's average slot, exact while the pace held.
    return ahead * queueSlots / (queueEnd - queueStart);
  }

  public AdmissionOptions options() {
    return options;
  }
}
