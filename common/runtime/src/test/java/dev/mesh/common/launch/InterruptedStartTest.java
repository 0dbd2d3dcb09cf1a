package dev.mesh.common.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.instance.impl.LifecycleServiceImpl;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.config.ConfigException;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Future;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A first start that the cluster moves under (a merge while the verticles deploy, a write refused
 * for lack of quorum) is tried again as a new node instead of ending the process; a start that
 * fails for its own reasons is not.
 */
@DisplayName("a start interrupted by the cluster")
class InterruptedStartTest {

  private RunningService running;

  @AfterEach
  void stop() throws Exception {
    if (running != null) {
      running.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A service whose deploy does {@code attempt} (numbered from 1) and records the node of each
   * attempt.
   */
  private static final class ScriptedService implements MeshService {
    final List<MeshNode> attempts = new CopyOnWriteArrayList<>();
    private final BiFunction<Integer, ServiceContext, Future<Void>> attempt;

    ScriptedService(BiFunction<Integer, ServiceContext, Future<Void>> attempt) {
      this.attempt = attempt;
    }

    @Override
    public String name() {
      return "interrupted-start-test";
    }

    @Override
    public ServiceOptions serviceOptions() {
      return ServiceOptions.forTest(TestClusters.fresh());
    }

    @Override
    public Future<Void> deploy(ServiceContext context) {
      attempts.add(context.node());
      return attempt.apply(attempts.size(), context);
    }
  }

  private RunningService start(MeshService service) throws Exception {
    return ServiceLauncher.start(service)
        .toCompletionStage()
        .toCompletableFuture()
        .get(90, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName(
      "a merge while the verticles deploy starts the service again as a new node; the first one leaves")
  void mergeDuringDeploy() throws Exception {
    ScriptedService service =
        new ScriptedService(
            (attempt, context) -> {
              if (attempt == 1) {
                // What Hazelcast announces after merging this member into another cluster: its data
                // and Vert.x's
                // subscriptions can no longer be trusted, whatever stage the start has reached.
                ((LifecycleServiceImpl) context.node().hazelcast().getLifecycleService())
                    .fireLifecycleEvent(LifecycleState.MERGED);
              }
              return Future.succeededFuture();
            });
    running = start(service);

    assertThat(service.attempts).hasSize(2);
    MeshNode first = service.attempts.get(0);
    assertThat(running.node()).isSameAs(service.attempts.get(1));
    assertThat(running.node().nodeId()).isNotEqualTo(first.nodeId());
    assertThat(running.rejoins()).as("a retried start is not a rejoin").isZero();
    Poll.until(
        Duration.ofSeconds(20),
        "the interrupted attempt's member shut down",
        () -> !first.hazelcast().getLifecycleService().isRunning());
    assertThat(running.node().memberIds()).doesNotContain(first.nodeId());
  }

  @Test
  @DisplayName("a merge after the service went live is a rejoin, not a failed start")
  void mergeAfterStartRejoins() throws Exception {
    ScriptedService service = new ScriptedService((attempt, context) -> Future.succeededFuture());
    running = start(service);
    MeshNode first = running.node();

    ((LifecycleServiceImpl) first.hazelcast().getLifecycleService())
        .fireLifecycleEvent(LifecycleState.MERGED);

    Poll.until(
        Duration.ofSeconds(60), "the service rejoined as a new node", () -> running.rejoins() == 1);
    assertThat(service.attempts).hasSize(2);
    assertThat(running.node().nodeId()).isNotEqualTo(first.nodeId());
  }

  @Test
  @DisplayName("a write refused by split-brain protection during deploy is tried again")
  void splitBrainRefusalIsRetried() throws Exception {
    ScriptedService service =
        new ScriptedService(
            (attempt, context) ->
                attempt == 1
                    ? Future.failedFuture(
                        new SplitBrainProtectionException(
                            "Split brain protection exception: mesh-quorum has" + " failed!"))
                    : Future.succeededFuture());
    running = start(service);

    assertThat(service.attempts).hasSize(2);
    assertThat(running.node()).isSameAs(service.attempts.get(1));
  }

  @Test
  @DisplayName(
      "a configuration error during deploy fails the start at once, without a second attempt")
  void ownFailureIsNotRetried() {
    ScriptedService service =
        new ScriptedService(
            (attempt, context) ->
                Future.failedFuture(
                    new ConfigException(List.of("MESH_EXAMPLE=0: must be at least 1"))));

    assertThatThrownBy(() -> start(service))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_EXAMPLE=0");
    assertThat(service.attempts).hasSize(1);
  }

  @Test
  @DisplayName("only failures that come from the cluster count as interruptions")
  void classification() {
    assertThat(RunningService.interruptedByCluster(new RunningService.StartInterrupted("merged")))
        .isTrue();
    assertThat(
            RunningService.interruptedByCluster(
                new RuntimeException(
                    "deploy failed", new SplitBrainProtectionException("no quorum"))))
        .isTrue();
    assertThat(
            RunningService.interruptedByCluster(
                new com.hazelcast.core.HazelcastInstanceNotActiveException()))
        .isTrue();
    // What an edge's clustered start failed with in chaos scenario 6 under load: removed for missed
    // heartbeats right after its quorum formed, alone, before the cluster manager's first write.
    assertThat(
            RunningService.interruptedByCluster(
                new com.hazelcast.partition.NoDataMemberInClusterException(
                    "Partition owner is null but partitions can't be assigned since all nodes in"
                        + " the cluster are lite members")))
        .isTrue();
    assertThat(
            RunningService.interruptedByCluster(
                new RuntimeException("listen failed", new BindException("Address already in use"))))
        .isFalse();
    assertThat(
            RunningService.interruptedByCluster(
                new IllegalStateException("fewer than 2 data members joined")))
        .isFalse();
    assertThat(RunningService.interruptedByCluster(new ConfigException(List.of("bad")))).isFalse();
  }
}
