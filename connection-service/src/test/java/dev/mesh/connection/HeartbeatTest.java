package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.RawClient;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Heartbeats and zombie termination")
class HeartbeatTest {

  private static final Duration INTERVAL = Duration.ofMillis(300);
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  @Test
  @DisplayName(
      "a peer that upgrades then goes silent is terminated within interval + timeout; its entry and session go")
  void silentPeerIsTerminated(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    Promise<Void> opened = Promise.promise();
    Promise<ConnectionClosed> closed = Promise.promise();
    long[] upgradedAt = new long[1];
    nodes
        .start(o -> o.withHeartbeat(INTERVAL, TIMEOUT))
        .compose(
            edge -> {
              var bus = edge.running().node().vertx().eventBus();
              bus.<Object>consumer(
                  Addresses.CONNECTION_EVENTS,
                  m -> {
                    if (m.body() instanceof ConnectionOpened) {
                      opened.tryComplete();
                    } else if (m.body() instanceof ConnectionClosed c) {
                      closed.tryComplete(c);
                    }
                  });
              return RawClient.upgradeAndGoSilent(
                      vertx, edge.port(), tokens.valid("zed"), "session=s1&tab=t1&page=p1")
                  .compose(
                      socket -> {
                        upgradedAt[0] = System.nanoTime();
                        return opened.future();
                      })
                  .compose(
                      v ->
                          closed
                              .future()
                              .map(
                                  c -> {
                                    long detectedMillis =
                                        (System.nanoTime() - upgradedAt[0]) / 1_000_000;
                                    test.verify(
                                        () -> {
                                          assertThat(c.reason())
                                              .isEqualTo(CloseReason.HEARTBEAT_TIMEOUT);
                                          assertThat(c.closeCode()).isEqualTo(4000);
                                          // interval + timeout, plus one sweep tick and scheduling
                                          // slack on a loaded machine
                                          assertThat(detectedMillis)
                                              .isBetween(
                                                  INTERVAL.plus(TIMEOUT).toMillis() - 50,
                                                  INTERVAL.plus(TIMEOUT).toMillis() + 400);
                                        });
                                    System.out.println(
                                        "zombie detected after "
                                            + detectedMillis
                                            + " ms (interval+timeout="
                                            + INTERVAL.plus(TIMEOUT).toMillis()
                                            + " ms)");
                                    return edge;
                                  }));
            })
        .compose(
            edge ->
                Future.fromCompletionStage(
                        Registry.users(edge.running().node().hazelcast()).getAsync("zed"))
                    .map(
                        entry -> {
                          MeterRegistry registry = edge.running().context().registry();
                          test.verify(
                              () -> {
                                assertThat(entry).as("registry entry after termination").isNull();
                                assertThat(edge.service().edge().node().sessionCount()).isZero();
                                assertThat(
                                        registry
                                            .get("mesh_zombies_terminated_total")
                                            .counter()
                                            .count())
                                    .isEqualTo(1.0);
                              });
                          return edge;
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName("a client that answers pings stays connected well past interval + timeout")
  void livePeerStays(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .start(o -> o.withHeartbeat(INTERVAL, TIMEOUT))
        .compose(
            edge ->
                TestClient.connect(vertx, edge.port(), tokens.valid("ann"), "s1", "t1", "p1")
                    .compose(client -> client.welcome().map(w -> client))
                    .compose(
                        client -> {
                          // Wait three full deadlines; Vert.x's client answers the server's pings
                          // by itself.
                          Promise<TestClient> later = Promise.promise();
                          vertx.setTimer(
                              INTERVAL.plus(TIMEOUT).multipliedBy(3).toMillis(),
                              t -> later.complete(client));
                          return later.future();
                        })
                    .map(
                        client -> {
                          test.verify(
                              () -> {
                                assertThat(client.closed().isComplete()).as("closed").isFalse();
                                assertThat(edge.service().edge().node().sessionCount())
                                    .isEqualTo(1);
                              });
                          return client;
                        }))
        .onComplete(test.succeedingThenComplete());
  }
}
