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
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * One running clustered node: its Vert.x, its Hazelcast member, its node id and its view of the
 * membership. Hazelcast structures are reached through {@link #hazelcast()}; use their async API
 * and bridge with {@link ClusterFutures#on} so callbacks run on the caller's context.
 */
public final class MeshNode {

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String nodeId;
  private final ClusterOptions options;
  private volatile String paused;

  /** When the pause watch last ticked (System.nanoTime), 0 while nothing watches. */
  private volatile long tickedAt;

  MeshNode(Vertx vertx, HazelcastInstance hazelcast, String nodeId, ClusterOptions options) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.nodeId = nodeId;
    this.options = options;
  }

  /** The options this node joined with. */
  public ClusterOptions options() {
    return options;
  }

  /** Whether this node is a Hazelcast lite member (owns no partition). */
  public boolean isLiteMember() {
    return options.liteMember();
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

  /**
   * This node's id: the Vert.x cluster node id, as written into the registry and used in inbox
   * addresses.
   */
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
    return hazelcast.getCluster().getMembers().stream()
        .map(MeshNode::nodeIdOf)
        .collect(Collectors.toSet());
  }

  public int memberCount() {
    return isClusterJoined() ? hazelcast.getCluster().getMembers().size() : 0;
  }

  /**
   * Data (non-lite) members in this node's view, this one included if it is one: the members that
   * hold data.
   */
  public int dataMemberCount() {
    if (!isClusterJoined()) {
      return 0;
    }
    int count = 0;
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (!member.isLiteMember()) {
        count++;
      }
    }
    return count;
  }

  /**
   * The fewest data members a side needs to serve ({@code MESH_CLUSTER_MIN_MEMBERS}, and never
   * fewer than one).
   */
  public int requiredDataMembers() {
    return Math.max(1, options.minDataMembers());
  }

  /**
   * Whether this node may act on the cluster's state: joined, not paused past failure detection (it
   * may have been removed while it slept), and with at least {@link #requiredDataMembers()} data
   * members in view. A writer checks this after a write returns and before acknowledging it; a node
   * that is not quorate purges nothing and reports no node as lost.
   */
  public boolean isQuorate() {
    return quorumProblem() == null;
  }

  /** Why this node is not quorate, or null when it is. */
  public String quorumProblem() {
    String own = ownQuorumProblem();
    return own != null ? own : membersQuorumProblem();
  }

  /**
   * The part of {@link #quorumProblem()} that lies with this node itself: not joined, or paused
   * past failure detection (the cluster may have removed it while it slept). Whatever it served
   * before is stale; a loss of quorum because other members are missing or silent may instead be a
   * moment's doubt while the cluster changes its master.
   */
  public String ownQuorumProblem() {
    if (!isClusterJoined()) {
      return "not joined";
    }
    String pausedFor = paused;
    if (pausedFor != null) {
      return pausedFor;
    }
    long ticked = tickedAt;
    long silent = System.nanoTime() - ticked;
    if (ticked != 0 && silent > options.failureDetectionTimeout().toNanos()) {
      // The watch has not run for longer than failure detection: this process was paused and has
      // not yet noticed.
      return "paused for at least " + silent / 1_000_000 + " ms";
    }
    return null;
  }

  private String membersQuorumProblem() {
    int data = dataMemberCount();
    if (data < requiredDataMembers()) {
      return data
          + " data member"
          + (data == 1 ? "" : "s")
          + " in view, "
          + requiredDataMembers()
          + " required";
    }
    int unheard = silentDataMembers();
    if (data - unheard < requiredDataMembers()) {
      return data
          + " data members in view, "
          + unheard
          + " silent for over "
          + options.failureDetectionTimeout().toSeconds()
          + " s, "
          + requiredDataMembers()
          + " required";
    }
    return null;
  }

  /**
   * Data members in view that this member has not heard a heartbeat from for longer than failure
   * detection. After a network split Hazelcast can keep unreachable members in view for a while
   * (the master of this side has to remove them), and counting them would keep a minority side
   * ready after its quorum is gone.
   */
  private int silentDataMembers() {
    if (requiredDataMembers() < 2
        || !(hazelcast instanceof com.hazelcast.instance.impl.HazelcastInstanceProxy proxy)) {
      return 0;
    }
    var heartbeats = proxy.getOriginal().node.getClusterService().getClusterHeartbeatManager();
    long now = com.hazelcast.internal.util.Clock.currentTimeMillis();
    long limit = options.failureDetectionTimeout().toMillis();
    Member self = hazelcast.getCluster().getLocalMember();
    int silent = 0;
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (member.isLiteMember() || member.equals(self)) {
        continue;
      }
      long last = heartbeats.getLastHeartbeatTime(member);
      if (last > 0 && now - last > limit) {
        silent++;
      }
    }
    return silent;
  }

  /**
   * Whether the partitions are safe as far as this member can tell without asking the others to
   * check: a data member checks that no migration runs (here or on the master) and that the backups
   * of the partitions it owns are in sync; a lite member, which owns none, checks that every
   * partition has its owners and no migration runs. Blocking (it may wait on the master and on the
   * backups' answers): call it off the event loop.
   *
   * <p>Not Hazelcast's {@code isClusterSafe()}: that runs a check on every member's few generic
   * operation threads, each of which can wait up to the call timeout on a hung master, so that
   * sampled every few seconds by every node it starved heartbeats and joins (a connection node
   * could not start during a rolling restart). The cluster-wide answer is the minimum over the
   * members' answers.
   */
  public boolean partitionsSafeHere() {
    if (!isClusterJoined()) {
      return false;
    }
    if (!isLiteMember()) {
      return hazelcast.getPartitionService().isLocalMemberSafe();
    }
    if (hazelcast instanceof com.hazelcast.instance.impl.HazelcastInstanceProxy proxy
        && proxy.getOriginal().node.getPartitionService()
            instanceof
            com.hazelcast.internal.partition.impl.InternalPartitionServiceImpl partitions) {
      return partitions.getPartitionReplicaStateChecker().getPartitionTableState()
          == com.hazelcast.internal.partition.impl.PartitionServiceState.SAFE;
    }
    return true;
  }

  /**
   * Marks this node as paused (e.g. the process was stopped past the failure timeout): not quorate
   * until {@link #clearPaused()}, because the others may have removed it meanwhile.
   */
  public void markPaused(String why) {
    paused = why;
  }

  public void clearPaused() {
    paused = null;
  }

  /**
   * Called by the pause watch on every tick: a node whose watch stops ticking is treated as paused.
   */
  public void ticked(long nanoTime) {
    tickedAt = nanoTime;
  }

  /**
   * How often a membership watcher compares the member list with what it last reported: the longest
   * a change waits when Hazelcast's event delivery is held back (see {@link #onMembershipChange}).
   */
  static final long MEMBERSHIP_LOOK_MILLIS = 200;

  /**
   * Calls {@code handler} once for every member that joins or leaves, on the Vert.x context current
   * at registration (or a new event-loop context), never on a Hazelcast thread. Returns a handle to
   * stop listening.
   *
   * <p>Hazelcast delivers membership events on a few event threads, each listener on one of them,
   * and vertx-hazelcast's own listener makes blocking map calls there while partitions move after a
   * member is lost. A listener that shares its thread then hears of the change only when those
   * calls return: in the hung-master chaos scenario that was more than 30 s. So the watcher also
   * looks at the member list every {@value #MEMBERSHIP_LOOK_MILLIS} ms, and reports each change
   * from whichever source sees it first.
   */
  public Registration onMembershipChange(Handler<MembershipChange> handler) {
    Context context = vertx.getOrCreateContext();
    MembershipWatch watch = new MembershipWatch(handler, hazelcast.getCluster().getMembers());
    UUID id =
        hazelcast
            .getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {
                    Member member = event.getMember();
                    context.runOnContext(v -> watch.joined(member));
                  }

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    Member member = event.getMember();
                    context.runOnContext(v -> watch.left(member));
                  }
                });
    context.runOnContext(
        v ->
            watch.lookEvery(
                vertx,
                MEMBERSHIP_LOOK_MILLIS,
                () ->
                    hazelcast.getLifecycleService().isRunning()
                        ? hazelcast.getCluster().getMembers()
                        : null));
    return () -> {
      context.runOnContext(v -> watch.stop(vertx));
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getCluster().removeMembershipListener(id);
      }
    };
  }

  /**
   * Closes Vert.x (undeploying whatever is still deployed), then leaves the cluster: Mesh created
   * the Hazelcast member, so Mesh shuts it down (gracefully: a data member hands its partitions
   * over first).
   */
  public Future<Void> close() {
    return vertx
        .close()
        .eventually(
            () ->
                Future.fromCompletionStage(
                    CompletableFuture.runAsync(
                        () -> {
                          if (hazelcast.getLifecycleService().isRunning()) {
                            hazelcast.getLifecycleService().shutdown();
                          }
                        },
                        runnable -> new Thread(runnable, "mesh-cluster-leave").start())));
  }

  /** A listener registration that can be removed. */
  @FunctionalInterface
  public interface Registration {
    void remove();
  }
}
