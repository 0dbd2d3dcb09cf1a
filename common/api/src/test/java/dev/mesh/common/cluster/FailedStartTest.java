package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A start that fails after the member joined leaves the cluster off the event loops")
class FailedStartTest {

  @Test
  @DisplayName(
      "Vert.x fails to come up: the member is terminated on a thread of its own, then the start fails with the cause")
  void memberTerminatedOffTheEventLoop() throws Exception {
    ClusterOptions options = TestClusters.fresh();
    CompletableFuture<String> terminatedOn = new CompletableFuture<>();
    NodeSetup failing =
        new NodeSetup() {
          @Override
          public void configure(VertxOptions vertxOptions, VertxBuilder builder) {}

          @Override
          public void started(Vertx vertx, String nodeId) {
            for (HazelcastInstance member : Hazelcast.getAllHazelcastInstances()) {
              if (member.getConfig().getClusterName().equals(options.clusterName())) {
                member
                    .getLifecycleService()
                    .addLifecycleListener(
                        event -> {
                          if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                            terminatedOn.complete(Thread.currentThread().getName());
                          }
                        });
              }
            }
            throw new IllegalStateException("setup refused");
          }
        };
    assertThatThrownBy(
            () ->
                MeshCluster.start(options, failing)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("setup refused");
    // The failure is reported only once the member has gone: nothing of it is left running.
    assertThat(terminatedOn).isDone();
    assertThat(terminatedOn.get()).isEqualTo("mesh-cluster-abandon");
    assertThat(Hazelcast.getAllHazelcastInstances())
        .noneMatch(member -> member.getConfig().getClusterName().equals(options.clusterName()));
  }
}
