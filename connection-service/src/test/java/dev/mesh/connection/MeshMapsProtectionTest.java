package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshStructures;
import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.replay.store.ReplayMaps;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.PresenceService;
import dev.mesh.replay.ReplayOptions;
import dev.mesh.replay.ReplayService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every map Mesh creates names the split-brain protection and a merge policy of its own: a map left
 * on Hazelcast's defaults would be writable on a minority side and merged by {@code PutIfAbsent},
 * keeping what the minority wrote. The three services run in this JVM and do real work (a page
 * subscribes, an event is published), then every {@code mesh.*} map the cluster holds is checked,
 * so a map added later is checked too.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Mesh's Hazelcast maps")
class MeshMapsProtectionTest {

  private final List<RunningService> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    Future.join(started.stream().map(RunningService::stop).toList())
        .toCompletionStage()
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  private RunningService start(MeshService service) throws Exception {
    RunningService running =
        ServiceLauncher.start(service)
            .toCompletionStage()
            .toCompletableFuture()
            .get(90, TimeUnit.SECONDS);
    started.add(running);
    return running;
  }

  @Test
  @DisplayName("every mesh.* map is split-brain protected and merged by a policy of Mesh's choice")
  void everyMapProtected(Vertx vertx) throws Exception {
    ClusterOptions cluster = TestClusters.fresh();
    ReplayService replay =
        new ReplayService(ReplayOptions.forTest(ServiceOptions.forTest(cluster), List.of()));
    RunningService replayNode = start(replay);
    start(new PresenceService(PresenceOptions.forTest(cluster)));
    ConnectionService edge =
        new ConnectionService(
            ConnectionOptions.forTest(
                ServiceOptions.forTest(cluster.withLiteMember(true)),
                AuthOptions.forTest(Tokens.SECRET)));
    start(edge);

    Tokens tokens = new Tokens(vertx);
    TestClient page =
        TestClient.connect(vertx, edge.httpPort(), tokens.valid("ann"), "s", "t", "p")
            .compose(c -> c.welcome().map(w -> c))
            .compose(
                c ->
                    c.send(
                            new JsonObject()
                                .put("type", "subscribe")
                                .put("id", "sub1")
                                .put("channel", "room"))
                        .compose(v -> c.awaitType("subscribed"))
                        .map(s -> c))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    // Held until the answer: Vert.x closes an unreachable client and its connections.
    HttpClient http = vertx.createHttpClient();
    int status =
        http.request(HttpMethod.POST, replay.httpPort(), "127.0.0.1", "/channels/room/events")
            .compose(
                request ->
                    request
                        .putHeader("Content-Type", "application/json")
                        .send(
                            Buffer.buffer(
                                new JsonObject()
                                    .put("id", "e1")
                                    .put("data", new JsonObject())
                                    .encode())))
            .compose(response -> response.body().map(body -> response.statusCode()))
            .eventually(http::close)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(201);
    page.await(f -> "event".equals(f.getString("type")))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    var hazelcast = replayNode.node().hazelcast();
    Map<String, String> unprotected = new TreeMap<>();
    List<String> created = new ArrayList<>();
    for (DistributedObject object : hazelcast.getDistributedObjects()) {
      if (object instanceof IMap<?, ?> && object.getName().startsWith("mesh.")) {
        created.add(object.getName());
      }
    }
    assertThat(created)
        .as("the work touched the registry, presence, history and settings maps")
        .contains(
            "mesh.registry.users",
            "mesh.presence.users",
            "mesh.replay.channels",
            MeshStructures.SHARED_SETTINGS_MAP);
    // And the maps this work does not create (no ticket issued, no channel created by a page, no
    // ack).
    var names = new java.util.TreeSet<>(created);
    names.addAll(List.of(MeshStructures.TICKETS_MAP, ReplayMaps.CREATORS, ReplayMaps.ACKS));
    for (String name : names) {
      MapConfig config = hazelcast.getConfig().findMapConfig(name);
      if (!MeshStructures.SPLIT_BRAIN_PROTECTION.equals(config.getSplitBrainProtectionName())) {
        unprotected.put(name, "no split-brain protection");
      } else if (PutIfAbsentMergePolicy.class
          .getName()
          .equals(config.getMergePolicyConfig().getPolicy())) {
        unprotected.put(name, "Hazelcast's default merge policy");
      }
    }
    assertThat(unprotected).isEmpty();
  }
}
