package dev.mesh.common.cluster;

import com.hazelcast.cluster.Member;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What one membership listener has been told, so that a change reported by a Hazelcast event and
 * seen again in the member list (or the other way round) reaches it exactly once. Confined to the
 * listener's Vert.x context.
 */
final class MembershipWatch {

  private final Handler<MembershipChange> handler;

  /** Members reported present (or present at registration), by Hazelcast member UUID. */
  private final Map<UUID, String> present = new LinkedHashMap<>();

  /**
   * Members reported gone: a late event about them changes nothing. A member that comes back after
   * a restart or a merge has a new UUID.
   */
  private final Set<UUID> gone = new HashSet<>();

  private long timerId = -1;
  private boolean stopped;

  MembershipWatch(Handler<MembershipChange> handler, Collection<Member> initial) {
    this.handler = handler;
    initial.forEach(member -> present.put(member.getUuid(), MeshNode.nodeIdOf(member)));
  }

  void joined(Member member) {
    UUID uuid = member.getUuid();
    if (stopped || gone.contains(uuid) || present.containsKey(uuid)) {
      return;
    }
    String nodeId = MeshNode.nodeIdOf(member);
    present.put(uuid, nodeId);
    handler.handle(new MembershipChange(MembershipChange.Kind.JOINED, nodeId, present.size()));
  }

  void left(Member member) {
    UUID uuid = member.getUuid();
    if (stopped || gone.contains(uuid)) {
      return;
    }
    if (!present.containsKey(uuid)) {
      // Joined and left between two looks: it was a member, so it is reported both ways.
      joined(member);
    }
    String nodeId = present.remove(uuid);
    gone.add(uuid);
    handler.handle(new MembershipChange(MembershipChange.Kind.LEFT, nodeId, present.size()));
  }

  /** Reports whatever differs between the current member list and what was reported. */
  void reconcile(Collection<Member> current) {
    if (stopped) {
      return;
    }
    Map<UUID, Member> byUuid = new LinkedHashMap<>();
    current.forEach(member -> byUuid.put(member.getUuid(), member));
    List<UUID> missing =
        present.keySet().stream().filter(uuid -> !byUuid.containsKey(uuid)).toList();
    for (UUID uuid : missing) {
      String nodeId = present.remove(uuid);
      gone.add(uuid);
      handler.handle(new MembershipChange(MembershipChange.Kind.LEFT, nodeId, present.size()));
    }
    byUuid.values().forEach(this::joined);
  }

  /**
   * Looks at {@code members} every {@code millis} on the current context; a null list (the member
   * is shutting down) is skipped.
   */
  void lookEvery(Vertx vertx, long millis, Supplier<Collection<Member>> members) {
    if (stopped) {
      return;
    }
    timerId =
        vertx.setPeriodic(
            millis,
            id -> {
              Collection<Member> current = members.get();
              if (current != null) {
                reconcile(current);
              }
            });
  }

  void stop(Vertx vertx) {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }
}
