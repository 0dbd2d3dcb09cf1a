package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import dev.mesh.common.ops.Readiness;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Cluster configuration: lite members, quorum, failure detector")
class ClusterOptionsTest {

  @Test
  @DisplayName(
      "defaults: data member unless the service says otherwise, quorum off, deadline detector, backup timeout past failure detection")
  void defaults() {
    Env env = Env.of(Map.of());
    ClusterOptions data = ClusterOptions.fromEnv(env);
    ClusterOptions edge = ClusterOptions.fromEnv(env, true);
    env.validate();
    assertThat(data.liteMember()).isFalse();
    assertThat(edge.liteMember()).isTrue();
    assertThat(data.minDataMembers()).isEqualTo(1);
    assertThat(data.failureDetector()).isEqualTo(FailureDetector.DEADLINE);
    assertThat(data.backupTimeout())
        .isEqualTo(Duration.ofSeconds(15))
        .isGreaterThan(data.failureDetectionTimeout());
  }

  @Test
  @DisplayName(
      "MESH_CLUSTER_LITE_MEMBER, MESH_CLUSTER_MIN_MEMBERS and MESH_CLUSTER_FAILURE_DETECTOR are read")
  void read() {
    Env env =
        Env.of(
            Map.of(
                "MESH_CLUSTER_LITE_MEMBER",
                "false",
                "MESH_CLUSTER_MIN_MEMBERS",
                "2",
                "MESH_CLUSTER_FAILURE_DETECTOR",
                "phi-accrual"));
    ClusterOptions options = ClusterOptions.fromEnv(env, true);
    env.validate();
    assertThat(options.liteMember()).isFalse();
    assertThat(options.minDataMembers()).isEqualTo(2);
    assertThat(options.failureDetector()).isEqualTo(FailureDetector.PHI_ACCRUAL);
  }

  @Test
  @DisplayName("an unknown detector or a minimum below 1 stops the start with a clear message")
  void invalid() {
    Env env =
        Env.of(Map.of("MESH_CLUSTER_MIN_MEMBERS", "0", "MESH_CLUSTER_FAILURE_DETECTOR", "gossip"));
    ClusterOptions.fromEnv(env);
    assertThatThrownBy(env::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_CLUSTER_MIN_MEMBERS=0")
        .hasMessageContaining(
            "MESH_CLUSTER_FAILURE_DETECTOR=gossip: must be deadline or phi-accrual");
  }

  @Test
  @DisplayName(
      "a minimum below the majority of three or more data members is warned about; a majority, or fewer than three members, is not")
  void majorityWarning() {
    assertThat(ClusterOptions.majorityOf(3)).isEqualTo(2);
    assertThat(ClusterOptions.majorityOf(5)).isEqualTo(3);
    assertThat(Readiness.majorityWarning(2, 1)).isNull();
    assertThat(Readiness.majorityWarning(3, 2)).isNull();
    assertThat(Readiness.majorityWarning(5, 3)).isNull();
    assertThat(Readiness.majorityWarning(3, 1))
        .contains("below the majority (2) of the 3 data members");
    assertThat(Readiness.majorityWarning(5, 2))
        .contains("below the majority (3) of the 5 data members");
  }
}
