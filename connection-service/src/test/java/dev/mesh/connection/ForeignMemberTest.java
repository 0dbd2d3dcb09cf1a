package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.testing.Poll;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A program that joins the documented cluster name and members as an ordinary full member, with the
 * plain Hazelcast or Vert.x configuration and none of Mesh's classes (issue 15: it used to be given
 * partitions of the registry and presence, and Mesh failed with ClassNotFoundException and 1011
 * closes), is refused at join, and Mesh keeps working.
 */
@DisplayName("A full member without Mesh's configuration")
class ForeignMemberTest {

  private final ClusterOptions cluster = TestClusters.fresh();
  private final EdgeNodes nodes = new EdgeNodes(cluster);
  private Vertx clientVertx;

  @AfterEach
  void stop() throws Exception {
    try {
      if (clientVertx != null) {
        clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      nodes.close();
    }
  }

  /**
   * What an integrator writes from the README alone: Vert.x's Hazelcast defaults, the name and the
   * members.
   */
  private Config plainConfig() {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.clusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.getNetworkConfig().setPort(cluster.port() + 50).setPortAutoIncrement(true);
    config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig()
        .setEnabled(true)
        .setMembers(cluster.members())
        .setConnectionTimeoutSeconds(1);
    return config;
  }

  @Test
  @DisplayName(
      "is refused at join (plain Hazelcast and plain clustered Vert.x); connections and presence carry on")
  void refusedAndMeshKeepsWorking() throws Exception {
    EdgeNodes.Edge edge =
        nodes
            .startReplay()
            .compose(r -> nodes.startPresence())
            .compose(p -> nodes.start())
            .toCompletionStage()
            .toCompletableFuture()
            .get(120, TimeUnit.SECONDS);
    int membersBefore = edge.running().node().memberCount();

    // A plain Hazelcast full member: Hazelcast's join check refuses it and it shuts itself down.
    CompletableFuture<HazelcastInstance> plainHazelcast =
        CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(plainConfig()));
    assertThatThrownBy(() -> plainHazelcast.get(120, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);

    // A plain clustered Vert.x, as the integrator started it: refused the same way.
    Future<Vertx> plainVertx =
        Vertx.builder()
            .withClusterManager(new HazelcastClusterManager(plainConfig()))
            .buildClustered();
    assertThatThrownBy(
            () -> plainVertx.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);

    assertThat(edge.running().node().memberCount()).isEqualTo(membersBefore);
    assertThat(Hazelcast.getAllHazelcastInstances())
        .allSatisfy(
            instance ->
                assertThat(instance.getConfig().getProperty("hazelcast.partition.count"))
                    .isNotNull());

    // Mesh still accepts connections (registry writes) and answers presence (presence maps) for
    // them.
    clientVertx = Vertx.vertx();
    Tokens tokens = new Tokens(clientVertx);
    BusClient bus = new BusClient(edge.running().node().vertx());
    // The figures: 9 of 30 new connections were refused with 1011, a presence query failed,
    // send.user timed out.
    for (int i = 0; i < 30; i++) {
      TestClient client =
          TestClient.connect(clientVertx, edge.port(), tokens.valid("u" + i), "s" + i, "t", "p")
              .compose(c -> c.welcome().map(w -> c))
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      assertThat(client.closed().isComplete()).isFalse();
    }
    PresenceStatuses statuses = awaitOnline(bus, "u29");
    assertThat(statuses.users().get(0).status()).isEqualTo(PresenceStatus.ONLINE);
    SendResult sent =
        bus.request(
                Addresses.SEND_TO_USER,
                new SendToUser(
                    "u29", "dm-1", JsonNodeFactory.instance.objectNode().put("n", 1), false, null),
                SendResult.class)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertThat(sent.connections()).isEqualTo(1);
  }

  /**
   * Presence follows ConnectionOpened events asynchronously: poll until the user is online or 20 s
   * pass.
   */
  private static PresenceStatuses awaitOnline(BusClient bus, String userId) throws Exception {
    AtomicReference<PresenceStatuses> last = new AtomicReference<>();
    Poll.until(
        Duration.ofSeconds(20),
        userId + " online in presence",
        () -> {
          last.set(
              bus.request(
                      Addresses.PRESENCE_QUERY,
                      new PresenceQuery(List.of(userId)),
                      PresenceStatuses.class)
                  .toCompletionStage()
                  .toCompletableFuture()
                  .join());
          return last.get().users().get(0).status() == PresenceStatus.ONLINE;
        });
    return last.get();
  }
}
