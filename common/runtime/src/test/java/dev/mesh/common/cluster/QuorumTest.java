package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.partition.Partition;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import dev.mesh.common.ops.Readiness;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import io.vertx.ext.healthchecks.CheckResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Split-brain protection counts data members only; lite members own no partition")
class QuorumTest {

  private final List<MeshNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (MeshNode node : nodes) {
      node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private MeshNode start(ClusterOptions options) throws Exception {
    MeshNode node =
        MeshCluster.start(options, null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  /** The {@code quorum} check of /ready, as JSON. */
  private static String readyQuorum(MeshNode node) throws Exception {
    CheckResult result =
        new Readiness(node, "test")
            .ready()
            .checkStatus()
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return result.getChecks().stream()
        .filter(c -> c.getId().equals("quorum"))
        .findFirst()
        .orElseThrow()
        .toJson()
        .encode();
  }

  @Test
  @DisplayName(
      "MESH_CLUSTER_MIN_MEMBERS=2 with one data member and two lite members: no quorum anywhere, writes refused, /ready 503; a second data member restores both")
  void liteMembersDoNotCount() throws Exception {
    ClusterOptions cluster = TestClusters.fresh().withMinDataMembers(2);
    // A member's start waits for quorum, so the two data members start together; the lites join a
    // quorate cluster.
    var firstStart = MeshCluster.start(cluster, null).toCompletionStage().toCompletableFuture();
    var leavingStart = MeshCluster.start(cluster, null).toCompletionStage().toCompletableFuture();
    MeshNode data = firstStart.get(60, TimeUnit.SECONDS);
    nodes.add(data);
    MeshNode leaving = leavingStart.get(60, TimeUnit.SECONDS);
    MeshNode liteA = start(cluster.withLiteMember(true));
    MeshNode liteB = start(cluster.withLiteMember(true));
    assertThat(liteA.isQuorate()).as("two data members of four members").isTrue();

    leaving.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Poll.until(
        Duration.ofSeconds(30),
        "the departure seen by every member",
        () -> List.of(data, liteA, liteB).stream().allMatch(n -> n.dataMemberCount() == 1));
    for (MeshNode node : List.of(data, liteA, liteB)) {
      assertThat(node.memberCount()).isEqualTo(3);
      assertThat(node.dataMemberCount()).isEqualTo(1);
      assertThat(node.isQuorate()).isFalse();
      assertThat(node.quorumProblem()).isEqualTo("1 data member in view, 2 required");
    }
    for (Partition partition : liteA.hazelcast().getPartitionService().getPartitions()) {
      assertThat(partition.getOwner())
          .as("every partition is owned by the data member")
          .isEqualTo(data.hazelcast().getCluster().getLocalMember());
    }
    // Hazelcast updates its protection state on the next heartbeat after the departure.
    Poll.until(
        Duration.ofSeconds(30),
        "writes refused after losing quorum",
        () -> {
          try {
            Registry.users(liteA.hazelcast())
                .put("u", dev.mesh.common.registry.UserConnections.empty());
            return false;
          } catch (SplitBrainProtectionException e) {
            return true;
          }
        });
    assertThat(readyQuorum(liteA))
        .contains("\"status\":\"DOWN\"")
        .contains("\"reason\":\"1 data member in view, 2 required\"");

    MeshNode second = start(cluster);
    // Hazelcast updates its protection state on the next heartbeat after the join.
    Poll.until(
        Duration.ofSeconds(30),
        "writes accepted after the second data member",
        () -> {
          Registry.users(liteA.hazelcast())
              .put("u", dev.mesh.common.registry.UserConnections.empty());
          return true;
        });
    assertThat(liteB.isQuorate()).isTrue();
    assertThat(second.dataMemberCount()).isEqualTo(2);
    assertThat(readyQuorum(liteB)).contains("\"status\":\"UP\"");
  }

  @Test
  @DisplayName(
      "a lite member that leaves moves no partition: the data member keeps owning all of them")
  void liteMemberLeavesNothingToMigrate() throws Exception {
    ClusterOptions cluster = TestClusters.fresh();
    MeshNode data = start(cluster);
    MeshNode lite = start(cluster.withLiteMember(true));
    Registry.users(lite.hazelcast()).put("u", dev.mesh.common.registry.UserConnections.empty());
    lite.hazelcast().getLifecycleService().terminate();
    nodes.remove(lite);
    lite.vertx().close();
    for (Partition partition : data.hazelcast().getPartitionService().getPartitions()) {
      assertThat(partition.getOwner()).isEqualTo(data.hazelcast().getCluster().getLocalMember());
    }
    assertThat(Registry.users(data.hazelcast()).containsKey("u")).isTrue();
    assertThat(data.isQuorate()).isTrue();
  }
}
