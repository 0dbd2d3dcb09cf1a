package dev.mesh.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("End to end: a connection node killed with kill -9")
class NodeLossEndToEndTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final int CLIENTS = 20;

  private MeshProcesses mesh;
  private MeshNode observer;
  private Vertx clients;

  @BeforeEach
  void createGroup() {
    mesh = new MeshProcesses(REPO, Path.of("target", "e2e-logs", "node-loss-" + System.nanoTime()));
    clients = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() throws Exception {
    mesh.close();
    if (observer != null) {
      observer.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    clients.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName(
      "the survivor purges every registry entry of the dead node and publishes one node-lost close for each")
  void survivorPurgesAndReports() throws Exception {
    // The observer is a plain data member and joins first: connection nodes are lite members and
    // hold no registry
    // data themselves, so they start once a data member is there.
    observer = join();
    ServiceProcess doomed = mesh.start(ServiceKind.CONNECTION, "connection-a");
    ServiceProcess survivor = mesh.start(ServiceKind.CONNECTION, "connection-b");
    mesh.awaitReady(Duration.ofSeconds(90), doomed, survivor);
    Map<String, CloseReason> closed = new ConcurrentHashMap<>();
    List<String> duplicates = new ArrayList<>();
    observer
        .vertx()
        .eventBus()
        .<Object>consumer(
            Addresses.CONNECTION_EVENTS,
            m -> {
              if (m.body() instanceof ConnectionClosed c
                  && closed.put(c.identity().connectionId(), c.reason()) != null) {
                duplicates.add(c.identity().connectionId());
              }
            })
        .completion()
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    JWTAuth jwt =
        JWTAuth.create(
            clients,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("HS256")
                        .setBuffer(MeshProcesses.JWT_SECRET)));
    // Closed once the closes are counted, which keeps it reachable until then: Vert.x closes an
    // unreachable client's sockets when the garbage collector finds it.
    WebSocketClient wsClient = clients.createWebSocketClient();
    Set<String> connectionIds = ConcurrentHashMap.newKeySet();
    List<Future<?>> welcomed = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      String token =
          jwt.generateToken(
              new JsonObject().put("sub", "user" + i), new JWTOptions().setExpiresInMinutes(10));
      var promise = io.vertx.core.Promise.<Void>promise();
      welcomed.add(promise.future());
      wsClient
          .connect(
              new WebSocketConnectOptions()
                  .setHost("127.0.0.1")
                  .setPort(doomed.httpPort())
                  .setURI("/ws?session=s&tab=t&page=p" + i)
                  .addHeader("Authorization", "Bearer " + token))
          .onSuccess(
              ws ->
                  ws.textMessageHandler(
                      text -> {
                        JsonObject frame = new JsonObject(text);
                        if ("welcome".equals(frame.getString("type"))) {
                          connectionIds.add(frame.getString("connectionId"));
                          promise.tryComplete();
                        }
                      }))
          .onFailure(promise::tryFail);
    }
    Future.all(welcomed).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(registrySize()).isEqualTo(CLIENTS);

    long killedAt = System.nanoTime();
    doomed.kill();
    MeshProcesses.await(
        Duration.ofSeconds(30),
        () -> closed.keySet().containsAll(connectionIds),
        "node-lost closes published for " + closed.size() + " of " + CLIENTS + " connections");
    wsClient.close();
    long reportedMillis = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.println(
        "node-lost reported for "
            + CLIENTS
            + " connections "
            + reportedMillis
            + " ms after kill -9");

    assertThat(closed.keySet()).containsExactlyInAnyOrderElementsOf(connectionIds);
    assertThat(closed.values()).containsOnly(CloseReason.NODE_LOST);
    assertThat(duplicates).as("connections reported closed twice").isEmpty();
    MeshProcesses.await(
        Duration.ofSeconds(10), () -> registrySize() == 0, "registry still has entries");
    assertThat(survivor.readiness().orElseThrow().isReady()).isTrue();
  }

  private MeshNode join() throws Exception {
    ClusterOptions options =
        ClusterOptions.defaults()
            .withClusterName(mesh.clusterName())
            .withPort(mesh.hazelcastPortBase())
            .withMembers(
                List.of(
                    "127.0.0.1:" + mesh.hazelcastPortBase(),
                    "127.0.0.1:" + (mesh.hazelcastPortBase() + 1),
                    "127.0.0.1:" + (mesh.hazelcastPortBase() + 2)))
            .withFailureDetection(Duration.ofSeconds(1), Duration.ofSeconds(3));
    return MeshCluster.start(options, null)
        .toCompletionStage()
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  private int registrySize() {
    return Registry.users(observer.hazelcast()).values().stream()
        .mapToInt(u -> u.connections().size())
        .sum();
  }
}
