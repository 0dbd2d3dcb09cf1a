package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.mesh.common.config.ConfigException;
import dev.mesh.common.config.Env;
import dev.mesh.common.testing.TestClusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Joining the cluster: MESH_CLUSTER_JOIN=tcp|kubernetes")
class ClusterJoinTest {

  private static final Map<String, String> KUBERNETES =
      Map.of(
          "MESH_CLUSTER_JOIN", "kubernetes",
          "MESH_CLUSTER_KUBERNETES_SERVICE_DNS", "mesh-cluster.mesh.svc.cluster.local",
          "MESH_CLUSTER_HOST", "10.244.1.17",
          "MESH_CLUSTER_PORT_AUTO_INCREMENT", "false");

  private final List<MeshNode> nodes = new ArrayList<>();

  @AfterEach
  void stopNodes() throws Exception {
    for (MeshNode node : nodes) {
      node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static ClusterOptions parse(Map<String, String> variables) {
    Env env = Env.of(variables);
    ClusterOptions options = ClusterOptions.fromEnv(env);
    env.validate();
    return options;
  }

  @Test
  @DisplayName(
      "tcp is the default: TCP-IP join to MESH_CLUSTER_MEMBERS, Kubernetes discovery, multicast and auto-detection off")
  void tcpByDefault() {
    ClusterOptions options = parse(Map.of("MESH_CLUSTER_MEMBERS", "10.0.0.1,10.0.0.2:5702"));
    assertThat(options.join()).isEqualTo(ClusterJoin.tcp());
    JoinConfig join = MeshCluster.hazelcastConfig(options).getNetworkConfig().getJoin();
    join.verify();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.1", "10.0.0.2:5702");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.isAutoDetectionEnabled()).isFalse();
  }

  @Test
  @DisplayName(
      "kubernetes: Hazelcast's Kubernetes discovery in DNS lookup mode on the headless service, nothing else")
  void kubernetesDnsLookup() {
    ClusterOptions options = parse(KUBERNETES);
    assertThat(options.join())
        .isEqualTo(ClusterJoin.kubernetes("mesh-cluster.mesh.svc.cluster.local", 5701));

    Config config = MeshCluster.hazelcastConfig(options);
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.verify();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    // service-dns alone selects DNS lookup mode: no service-name, label or namespace, so no
    // Kubernetes API call
    // (and no RBAC) is ever needed.
    assertThat(join.getKubernetesConfig().getProperties())
        .containsOnly(
            Map.entry("service-dns", "mesh-cluster.mesh.svc.cluster.local"),
            Map.entry("service-port", "5701"));
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.isAutoDetectionEnabled()).isFalse();
    // The discovery joiner looks members up only while it waits before joining: 0 would skip
    // discovery altogether.
    assertThat(config.getProperty("hazelcast.wait.seconds.before.join")).isEqualTo("5");
    // The member binds to and advertises the pod's address, on the fixed port the NetworkPolicy
    // opens.
    assertThat(config.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces())
        .containsExactly("10.244.1.17");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5701);
    assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
  }

  @Test
  @DisplayName(
      "kubernetes: MESH_CLUSTER_KUBERNETES_SERVICE_PORT overrides the port looked up, else it is MESH_CLUSTER_PORT")
  void kubernetesServicePort() {
    Map<String, String> variables = new HashMap<>(KUBERNETES);
    variables.put("MESH_CLUSTER_PORT", "6000");
    assertThat(parse(variables).join().servicePort()).isEqualTo(6000);
    variables.put("MESH_CLUSTER_KUBERNETES_SERVICE_PORT", "5801");
    ClusterOptions options = parse(variables);
    assertThat(options.join().servicePort()).isEqualTo(5801);
    assertThat(
            MeshCluster.hazelcastConfig(options)
                .getNetworkConfig()
                .getJoin()
                .getKubernetesConfig()
                .getProperty("service-port"))
        .isEqualTo("5801");
  }

  @Test
  @DisplayName("settings that do not fit the join method are refused with one message naming each")
  void mismatchedSettingsAreRefused() {
    assertThatThrownBy(() -> parse(Map.of("MESH_CLUSTER_JOIN", "multicast")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_CLUSTER_JOIN=multicast: must be tcp or kubernetes");
    assertThatThrownBy(
            () -> parse(Map.of("MESH_CLUSTER_JOIN", "kubernetes", "MESH_CLUSTER_HOST", "10.0.0.5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("needs MESH_CLUSTER_KUBERNETES_SERVICE_DNS");
    assertThatThrownBy(() -> parse(Map.of("MESH_CLUSTER_KUBERNETES_SERVICE_DNS", "mesh-cluster")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("apply only with MESH_CLUSTER_JOIN=kubernetes");

    Map<String, String> withMembers = new HashMap<>(KUBERNETES);
    withMembers.put("MESH_CLUSTER_MEMBERS", "10.0.0.1");
    withMembers.put("MESH_CLUSTER_HOST", "127.0.0.1");
    assertThatThrownBy(() -> parse(withMembers))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MESH_CLUSTER_MEMBERS applies only with MESH_CLUSTER_JOIN=tcp")
        .hasMessageContaining("needs MESH_CLUSTER_HOST set to the pod's own address");
  }

  @Test
  @DisplayName(
      "kubernetes: two members find each other through a real DNS lookup (localhost standing in for the headless service)")
  void membersJoinThroughDnsLookup() throws Exception {
    ClusterOptions base = TestClusters.fresh();
    // Every address behind the name is tried on the service port: here the first member's port, as
    // every pod's
    // Hazelcast port is the same in Kubernetes. The second member binds the next port and joins the
    // first.
    ClusterOptions options =
        base.withJoin(ClusterJoin.kubernetes("localhost", base.port())).withMembers(List.of());
    nodes.add(
        MeshCluster.start(options, null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS));
    nodes.add(
        MeshCluster.start(options, null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS));
    assertThat(nodes).allSatisfy(node -> assertThat(node.memberCount()).isEqualTo(2));
    assertThat(nodes.get(1).memberIds())
        .containsExactlyInAnyOrder(nodes.get(0).nodeId(), nodes.get(1).nodeId());
    assertThat(
            nodes
                .get(0)
                .hazelcast()
                .getConfig()
                .getNetworkConfig()
                .getJoin()
                .getKubernetesConfig()
                .isEnabled())
        .isTrue();
  }
}
