package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.UserPresence;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The value of {@link PresenceMaps#USERS} for one user. Immutable; every method returns the next
 * state and what the change was, and leaves {@code this} untouched when nothing changed.
 *
 * @param connections the user's open connections, across nodes
 * @param status online while a connection is open and during a debounce; reconnecting during a
 *     grace period
 * @param since when {@code status} last changed (epoch millis; 0 for a user never seen)
 * @param expiresAt the next deadline: the pending offline when {@code connections} is empty and the
 *     status is not offline, the moment to forget an offline user; {@link #NEVER} otherwise.
 *     Indexed, so that the sweep finds due entries without a scan
 * @param reason the close reason that started the pending offline or made the user offline
 * @param closed tombstones of recently closed connections (bounded)
 * @param version increases with every visible change
 */
public record UserState(
    List<TrackedConnection> connections,
    PresenceStatus status,
    long since,
    long expiresAt,
    CloseReason reason,
    List<ClosedConnection> closed,
    long version) {

  /** No deadline. */
  public static final long NEVER = Long.MAX_VALUE;

  /** Most tombstones kept per user. */
  public static final int MAX_TOMBSTONES = 64;

  public UserState {
    connections = List.copyOf(connections);
    closed = List.copyOf(closed);
  }

  /** The state of a user presence has no entry for. */
  public static UserState absent() {
    return new UserState(List.of(), PresenceStatus.OFFLINE, 0, NEVER, null, List.of(), 0);
  }

  /** The next state ({@code null}: forget the user) and the outcome of one update. */
  public record Step(UserState next, UserOutcome outcome) {}

  public UserPresence view(String userId) {
    boolean pending =
        status != PresenceStatus.OFFLINE && connections.isEmpty() && expiresAt != NEVER;
    return new UserPresence(
        userId,
        status,
        since == 0 ? null : Instant.ofEpochMilli(since),
        connections.size(),
        pending ? Instant.ofEpochMilli(expiresAt) : null,
        status == PresenceStatus.ONLINE && !pending ? null : reason,
        version);
  }

  public TrackedConnection connection(String connectionId) {
    return connections.stream()
        .filter(c -> c.connectionId().equals(connectionId))
        .findFirst()
        .orElse(null);
  }

  public ClosedConnection tombstone(String connectionId) {
    return closed.stream()
        .filter(c -> c.connectionId().equals(connectionId))
        .findFirst()
        .orElse(null);
  }

  /**
   * A connection opened: online if it is the first, cancelling a pending offline without any
   * offline.
   */
  public Step opened(TrackedConnection connection, long at, Timing timing) {
    if (tombstone(connection.connectionId()) != null
        || connection(connection.connectionId()) != null) {
      return unchanged(at);
    }
    List<TrackedConnection> next = new ArrayList<>(connections);
    next.add(connection);
    if (!connections.isEmpty()) {
      return step(
          new UserState(next, status, since, expiresAt, reason, closed, version),
          Effect.NONE,
          null,
          at);
    }
    return switch (status) {
      case OFFLINE ->
          step(
              new UserState(
                  next, PresenceStatus.ONLINE, at, NEVER, null, closed, Versions.next(version, at)),
              Effect.CAME_ONLINE,
              null,
              at);
      case RECONNECTING ->
          step(
              new UserState(
                  next, PresenceStatus.ONLINE, at, NEVER, null, closed, Versions.next(version, at)),
              Effect.GRACE_CANCELLED,
              null,
              at);
      case ONLINE ->
          step(
              new UserState(next, PresenceStatus.ONLINE, since, NEVER, null, closed, version),
              expiresAt == NEVER ? Effect.NONE : Effect.DEBOUNCE_CANCELLED,
              null,
              at);
    };
  }

  /**
   * A connection closed. Idempotent: a connection already closed changes nothing (its tombstone is
   * returned so the caller can still make it leave its channels); one never seen is remembered as
   * closed, so its late open is ignored.
   */
  public Step closed(String connectionId, CloseReason closeReason, long at, Timing timing) {
    ClosedConnection known = tombstone(connectionId);
    if (known != null) {
      return new Step(this, outcome(Effect.NONE, null, at, NEVER, List.of(known)));
    }
    TrackedConnection connection = connection(connectionId);
    ClosedConnection tombstone =
        new ClosedConnection(
            connectionId, at, connection == null ? java.util.Set.of() : connection.channels());
    List<ClosedConnection> tombstones = withTombstone(tombstone, at, timing);
    if (connection == null) {
      long next = status == PresenceStatus.OFFLINE ? at + timing.retentionMillis() : expiresAt;
      UserState state =
          new UserState(connections, status, since, next, reason, tombstones, version);
      return new Step(state, state.outcome(Effect.NONE, null, at, NEVER, List.of(tombstone)));
    }
    List<TrackedConnection> remaining =
        connections.stream().filter(c -> !c.connectionId().equals(connectionId)).toList();
    UserState state;
    Effect effect;
    if (!remaining.isEmpty()) {
      state = new UserState(remaining, status, since, expiresAt, reason, tombstones, version);
      effect = Effect.NONE;
    } else {
      switch (closeReason.grace()) {
        case NONE -> {
          state =
              new UserState(
                  remaining,
                  PresenceStatus.OFFLINE,
                  at,
                  at + timing.retentionMillis(),
                  closeReason,
                  tombstones,
                  Versions.next(version, at));
          effect = Effect.ENDED_AT_ONCE;
        }
        case DEBOUNCE -> {
          state =
              new UserState(
                  remaining,
                  PresenceStatus.ONLINE,
                  since,
                  at + timing.debounceMillis(),
                  closeReason,
                  tombstones,
                  version);
          effect = Effect.DEBOUNCE_STARTED;
        }
        // GRACE, and NONE_NEEDED ("replaced") when the successor has closed too.
        default -> {
          state =
              new UserState(
                  remaining,
                  PresenceStatus.RECONNECTING,
                  at,
                  at + timing.graceMillis(closeReason),
                  closeReason,
                  tombstones,
                  Versions.next(version, at));
          effect = Effect.GRACE_STARTED;
        }
      }
    }
    long deadline =
        effect == Effect.DEBOUNCE_STARTED || effect == Effect.GRACE_STARTED
            ? state.expiresAt
            : NEVER;
    return new Step(
        state,
        state.outcome(
            effect, effect == Effect.NONE ? null : closeReason, at, deadline, List.of(tombstone)));
  }

  /** Every connection of a node that left the cluster closes as {@link CloseReason#NODE_LOST}. */
  public Step nodeLost(String nodeId, long at, Timing timing) {
    List<String> lost =
        connections.stream()
            .filter(c -> c.nodeId().equals(nodeId))
            .map(TrackedConnection::connectionId)
            .toList();
    if (lost.isEmpty()) {
      return unchanged(at);
    }
    UserState state = this;
    UserOutcome visible = null;
    List<ClosedConnection> closedNow = new ArrayList<>();
    for (String connectionId : lost) {
      Step step = state.closed(connectionId, CloseReason.NODE_LOST, at, timing);
      state = step.next();
      closedNow.addAll(step.outcome().closed());
      if (step.outcome().effect() != Effect.NONE) {
        visible = step.outcome();
      }
    }
    UserOutcome outcome =
        visible != null ? visible : state.outcome(Effect.NONE, null, at, NEVER, List.of());
    return new Step(state, outcome.withClosed(closedNow));
  }

  /**
   * The pending deadline passed: offline, exactly once. An offline user past its retention is
   * forgotten.
   */
  public Step expired(long now, Timing timing) {
    if (expiresAt > now) {
      return unchanged(now);
    }
    if (!connections.isEmpty()) {
      return step(
          new UserState(connections, status, since, NEVER, reason, closed, version),
          Effect.NONE,
          null,
          now);
    }
    if (status == PresenceStatus.OFFLINE) {
      return new Step(null, outcome(Effect.NONE, null, now, NEVER, List.of()));
    }
    Effect effect =
        status == PresenceStatus.RECONNECTING ? Effect.GRACE_EXPIRED : Effect.DEBOUNCE_EXPIRED;
    UserState state =
        new UserState(
            List.of(),
            PresenceStatus.OFFLINE,
            now,
            now + timing.retentionMillis(),
            reason,
            closed,
            Versions.next(version, now));
    return new Step(state, state.outcome(effect, reason, now, NEVER, List.of()));
  }

  /**
   * Marks an open connection as a member of a channel's presence, or not. Unknown connections are
   * left alone.
   */
  @SuppressWarnings(
      "ReferenceEquality") // identity on purpose: withChannel returns the same connection if
  // unchanged
  public Step tracked(String connectionId, String channel, boolean member, long at) {
    TrackedConnection connection = connection(connectionId);
    if (connection == null) {
      return unchanged(at);
    }
    TrackedConnection next = connection.withChannel(channel, member);
    if (next == connection) {
      return unchanged(at);
    }
    List<TrackedConnection> updated =
        connections.stream().map(c -> c == connection ? next : c).toList();
    return step(
        new UserState(updated, status, since, expiresAt, reason, closed, version),
        Effect.NONE,
        null,
        at);
  }

  private List<ClosedConnection> withTombstone(ClosedConnection tombstone, long at, Timing timing) {
    long oldest = at - timing.retentionMillis();
    List<ClosedConnection> next =
        new ArrayList<>(closed.stream().filter(c -> c.closedAt() >= oldest).toList());
    next.add(tombstone);
    return next.size() > MAX_TOMBSTONES
        ? next.subList(next.size() - MAX_TOMBSTONES, next.size())
        : next;
  }

  private Step unchanged(long at) {
    return new Step(this, outcome(Effect.NONE, null, at, NEVER, List.of()));
  }

  private static Step step(UserState next, Effect effect, CloseReason reason, long at) {
    return new Step(next, next.outcome(effect, reason, at, NEVER, List.of()));
  }

  private UserOutcome outcome(
      Effect effect,
      CloseReason closeReason,
      long at,
      long deadline,
      List<ClosedConnection> closedConnections) {
    return new UserOutcome(
        effect, closeReason, at, version, deadline, connections.size(), closedConnections, false);
  }
}
