package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.MemberState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The value of {@link PresenceMaps#CHANNELS} for one channel: its members by user id, the same
 * grace rules as users. Immutable; every method returns the next state and what changed.
 *
 * @param left tombstones of connections that closed (bounded), so that a join arriving after the
 *     close is refused
 * @param expiresAt the earliest pending leave, or when an empty channel is forgotten; {@link
 *     UserState#NEVER} if none
 * @param version increases with every visible change of any member
 */
public record ChannelState(
    Map<String, ChannelMember> members, List<ClosedConnection> left, long expiresAt, long version) {

  /** Most tombstones kept per channel. */
  public static final int MAX_TOMBSTONES = 256;

  private static final long NEVER = UserState.NEVER;

  public ChannelState {
    members = Map.copyOf(members);
    left = List.copyOf(left);
  }

  public static ChannelState absent() {
    return new ChannelState(Map.of(), List.of(), NEVER, 0);
  }

  /** The next state ({@code null}: forget the channel) and the outcome of one update. */
  public record Step(ChannelState next, ChannelOutcome outcome) {}

  public boolean hasLeft(String connectionId) {
    return left.stream().anyMatch(c -> c.connectionId().equals(connectionId));
  }

  /**
   * A connection joins. A user already a member (or within a pending leave) stays one, cancelling
   * the leave; a new user is refused when the channel already has {@code maxMembers}.
   */
  public Step joined(
      String userId,
      String connectionId,
      String info,
      int maxMembers,
      int viewLimit,
      long at,
      Timing timing) {
    if (hasLeft(connectionId)) {
      return new Step(
          this, new ChannelOutcome(List.of(), ChannelOutcome.Join.CLOSED, view(viewLimit)));
    }
    ChannelMember member = members.get(userId);
    if (member != null && member.connections().contains(connectionId)) {
      return new Step(
          this, new ChannelOutcome(List.of(), ChannelOutcome.Join.JOINED, view(viewLimit)));
    }
    if (member == null && members.size() >= maxMembers) {
      return new Step(
          this, new ChannelOutcome(List.of(), ChannelOutcome.Join.FULL, view(viewLimit)));
    }
    Map<String, ChannelMember> next = new HashMap<>(members);
    Effect effect;
    long nextVersion = version;
    if (member == null) {
      nextVersion = Versions.next(version, at);
      next.put(
          userId,
          new ChannelMember(
              userId, info, at, Set.of(connectionId), MemberState.PRESENT, NEVER, null));
      effect = Effect.CAME_ONLINE;
    } else {
      Set<String> connections = new HashSet<>(member.connections());
      connections.add(connectionId);
      if (member.state() == MemberState.RECONNECTING) {
        nextVersion = Versions.next(version, at);
        effect = Effect.GRACE_CANCELLED;
      } else {
        effect = member.leaveAt() == NEVER ? Effect.NONE : Effect.DEBOUNCE_CANCELLED;
      }
      next.put(userId, member.with(connections, MemberState.PRESENT, NEVER, null));
    }
    ChannelState state = new ChannelState(next, left, deadline(next, at, timing), nextVersion);
    List<MemberChange> changes = List.of(state.change(next.get(userId), effect, null, at, NEVER));
    return new Step(
        state, new ChannelOutcome(changes, ChannelOutcome.Join.JOINED, state.view(viewLimit)));
  }

  /**
   * A connection leaves: explicitly ({@code reason} null: the member leaves at once when it was its
   * last connection), or because it closed, in which case the member's last connection applies the
   * grace class of the reason. Idempotent; a closed connection is remembered so that a late join of
   * it is refused.
   */
  public Step left(String userId, String connectionId, CloseReason reason, long at, Timing timing) {
    // Only a close is remembered: after an explicit leave the same connection may join again.
    List<ClosedConnection> tombstones =
        reason == null || hasLeft(connectionId) ? left : withTombstone(connectionId, at, timing);
    ChannelMember member = members.get(userId);
    if (member == null || !member.connections().contains(connectionId)) {
      ChannelState state =
          tombstones == left
              ? this
              : new ChannelState(
                  members,
                  tombstones,
                  members.isEmpty() ? at + timing.retentionMillis() : expiresAt,
                  version);
      return new Step(state, new ChannelOutcome(List.of(), null, state.view(0)));
    }
    Map<String, ChannelMember> next = new HashMap<>(members);
    Set<String> remaining = new HashSet<>(member.connections());
    remaining.remove(connectionId);
    Effect effect;
    long nextVersion = version;
    ChannelMember changed;
    if (!remaining.isEmpty()) {
      changed = member.with(remaining, member.state(), member.leaveAt(), member.reason());
      effect = Effect.NONE;
    } else if (reason == null || reason.grace() == CloseReason.Grace.NONE) {
      changed = member.with(remaining, member.state(), NEVER, reason);
      effect = Effect.ENDED_AT_ONCE;
      nextVersion = Versions.next(version, at);
    } else if (reason.grace() == CloseReason.Grace.DEBOUNCE) {
      changed = member.with(remaining, MemberState.PRESENT, at + timing.debounceMillis(), reason);
      effect = Effect.DEBOUNCE_STARTED;
    } else {
      changed =
          member.with(remaining, MemberState.RECONNECTING, at + timing.graceMillis(reason), reason);
      effect = Effect.GRACE_STARTED;
      nextVersion = Versions.next(version, at);
    }
    if (effect == Effect.ENDED_AT_ONCE) {
      next.remove(userId);
    } else {
      next.put(userId, changed);
    }
    ChannelState state =
        new ChannelState(next, tombstones, deadline(next, at, timing), nextVersion);
    long memberDeadline = effect == Effect.NONE ? NEVER : changed.leaveAt();
    List<MemberChange> changes =
        effect == Effect.NONE
            ? List.of()
            : List.of(state.change(changed, effect, reason, at, memberDeadline));
    return new Step(state, new ChannelOutcome(changes, null, state.view(0)));
  }

  /**
   * Members whose pending leave is due leave, each exactly once; an empty channel past its
   * retention is forgotten.
   */
  public Step expired(long now, Timing timing) {
    if (expiresAt > now) {
      return new Step(this, new ChannelOutcome(List.of(), null, null));
    }
    if (members.isEmpty()) {
      return new Step(null, new ChannelOutcome(List.of(), null, null));
    }
    Map<String, ChannelMember> next = new HashMap<>(members);
    List<ChannelMember> due =
        members.values().stream()
            .filter(m -> m.connections().isEmpty() && m.leaveAt() <= now)
            .sorted(
                Comparator.comparingLong(ChannelMember::leaveAt)
                    .thenComparing(ChannelMember::userId))
            .toList();
    long nextVersion = version;
    List<MemberChange> changes = new ArrayList<>();
    for (ChannelMember member : due) {
      next.remove(member.userId());
      nextVersion = Versions.next(nextVersion, now);
      Effect effect =
          member.state() == MemberState.RECONNECTING
              ? Effect.GRACE_EXPIRED
              : Effect.DEBOUNCE_EXPIRED;
      changes.add(
          new MemberChange(
              member.userId(), effect, member.reason(), member.info(), now, nextVersion, NEVER));
    }
    ChannelState state = new ChannelState(next, left, deadline(next, now, timing), nextVersion);
    return new Step(state, new ChannelOutcome(changes, null, null));
  }

  /** Members oldest first, at most {@code limit}. */
  public ChannelView view(int limit) {
    List<ChannelView.Member> listed =
        members.values().stream()
            .sorted(
                Comparator.comparingLong(ChannelMember::since).thenComparing(ChannelMember::userId))
            .limit(Math.max(0, limit))
            .map(m -> new ChannelView.Member(m.userId(), m.state(), m.info(), m.since()))
            .toList();
    return new ChannelView(members.size(), version, listed, listed.size() < members.size());
  }

  private MemberChange change(
      ChannelMember member, Effect effect, CloseReason reason, long at, long deadline) {
    return new MemberChange(member.userId(), effect, reason, member.info(), at, version, deadline);
  }

  private static long deadline(Map<String, ChannelMember> members, long at, Timing timing) {
    if (members.isEmpty()) {
      return at + timing.retentionMillis();
    }
    return members.values().stream().mapToLong(ChannelMember::leaveAt).min().orElse(NEVER);
  }

  private List<ClosedConnection> withTombstone(String connectionId, long at, Timing timing) {
    long oldest = at - timing.retentionMillis();
    List<ClosedConnection> next =
        new ArrayList<>(left.stream().filter(c -> c.closedAt() >= oldest).toList());
    next.add(new ClosedConnection(connectionId, at, Set.of()));
    return next.size() > MAX_TOMBSTONES
        ? next.subList(next.size() - MAX_TOMBSTONES, next.size())
        : next;
  }
}
