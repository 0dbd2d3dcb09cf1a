package dev.mesh.common.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * One running clustered node: its Vert.x, its Hazelcast member, its node id and its view of the membership.
 * Hazelcast structures are reached through {@link #hazelcast()}; use their async API and bridge with
 * {@code Future.fromCompletionStage(stage, context)} so callbacks run on the caller's context.
 */
public final class MeshNode {

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String nodeId;

  MeshNode(Vertx vertx, HazelcastInstance hazelcast, String nodeId) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.nodeId = nodeId;
  }

  public Vertx vertx() {
    return vertx;
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** Hazelcast member attribute in which vertx-hazelcast stores the Vert.x node id. */
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  /** The Vert.x node id of a Hazelcast member (kept in a member attribute by vertx-hazelcast). */
  public static String nodeIdOf(Member member) {
    String id = member.getAttribute(VERTX_NODE_ID_ATTRIBUTE);
    return id == null ? member.getUuid().toString() : id;
  }

  /** This node's id: the Vert.x cluster node id, as written into the registry and used in inbox addresses. */
  public String nodeId() {
    return nodeId;
  }

  /** Whether the Hazelcast member is running and part of a cluster. */
  public boolean isClusterJoined() {
    return hazelcast.getLifecycleService().isRunning();
  }

  /** Node ids of all current members, this one included. */
  public Set<String> memberIds() {
    if (!isClusterJoined()) {
      return Set.of();
    }
    return hazelcast.getCluster().getMembers().stream().map(MeshNode::nodeIdOf).collect(Collectors.toSet());
  }

  public int memberCount() {
    return isClusterJoined() ? hazelcast.getCluster().getMembers().size() : 0;
  }

  /**
   * Calls {@code handler} on every membership change, on the Vert.x context current at registration (or a new
   * event-loop context), never on a Hazelcast thread. Returns a handle to stop listening.
   */
  public Registration onMembershipChange(Handler<MembershipChange> handler) {
    Context context = vertx.getOrCreateContext();
    UUID id = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        dispatch(MembershipChange.Kind.JOINED, event);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        dispatch(MembershipChange.Kind.LEFT, event);
      }

      private void dispatch(MembershipChange.Kind kind, MembershipEvent event) {
        Member member = event.getMember();
        MembershipChange change = new MembershipChange(kind, nodeIdOf(member), event.getMembers().size());
        context.runOnContext(v -> handler.handle(change));
      }
    });
    return () -> {
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getCluster().removeMembershipListener(id);
      }
    };
  }

  /** Leaves the cluster and closes Vert.x (undeploying whatever is still deployed). */
  public Future<Void> close() {
    return vertx.close();
  }

  /** A listener registration that can be removed. */
  @FunctionalInterface
  public interface Registration {
    void remove();
  }
}
