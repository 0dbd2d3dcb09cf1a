package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import dev.mesh.common.testing.TestClusters;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MESH_CLUSTER_HOST: the one address Hazelcast binds to and announces")
class ClusterHostTest {

  private static void parse(String host) {
    Env env = Env.of(Map.of("MESH_CLUSTER_HOST", host));
    ClusterOptions.fromEnv(env);
    env.validate();
  }

  @Test
  @DisplayName("a wildcard or a name is refused at configuration, saying what to set instead")
  void wildcardsAndNamesAreRefused() {
    assertThatThrownBy(() -> parse("0.0.0.0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_CLUSTER_HOST=0.0.0.0: must be the one address of this host")
        .hasMessageContaining("MESH_BUS_HOST=0.0.0.0 and MESH_BUS_PUBLIC_HOST");
    assertThatThrownBy(() -> parse("::"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must be the one address of this host");
    assertThatThrownBy(() -> parse("node-1.example.com"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must be an IP address of this host");
    parse("10.1.2.3");
    parse("127.0.0.1");
  }

  @Test
  @DisplayName(
      "an address that is not this host's fails the start with a message naming MESH_CLUSTER_HOST and the host's addresses")
  void foreignAddressFailsTheStart() {
    // 192.0.2.0/24 is reserved for documentation: never a local address.
    ClusterOptions options = TestClusters.fresh().withHost("192.0.2.10");
    assertThatThrownBy(
            () ->
                MeshCluster.start(options, null)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("MESH_CLUSTER_HOST=192.0.2.10 is not an address of this host")
        .hasMessageContaining("127.0.0.1");
    assertThat(MeshCluster.notALocalAddress("127.0.0.1")).isNull();
  }
}
