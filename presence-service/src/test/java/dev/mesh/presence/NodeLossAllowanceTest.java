package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.OFFLINE;
import static dev.mesh.common.presence.PresenceChange.ONLINE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SimulatedEdge;
import dev.mesh.presence.support.TestMesh;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 11: a node presence sees leave may be alive and cut off, closing its sockets and spreading
 * its clients' reconnects only later; the grace of its users starts after the node-loss allowance.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Node lost: the grace of its users allows for the node's own drain")
class NodeLossAllowanceTest {

  static final Duration GRACE = Duration.ofSeconds(1);
  static final Duration ALLOWANCE = Duration.ofSeconds(3);
  static final Duration WAIT = Duration.ofSeconds(20);

  private static TestMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh =
        TestMesh.start(
            1,
            1,
            options ->
                options
                    .withWindows(Duration.ofMillis(500), GRACE)
                    .withNodeLossAllowance(ALLOWANCE));
  }

  @AfterAll
  static void stopMesh() {
    mesh.close();
  }

  private static List<PresenceChange> changes(PresenceLog log, String userId) {
    return log.matching(user(userId)).stream().map(r -> r.event().change()).toList();
  }

  @Test
  @DisplayName(
      "a user back on another node after the grace but within grace + allowance never reads offline;"
          + " one who never returns is offline after grace + allowance")
  void returnWithinAllowance(VertxTestContext test) {
    SimulatedEdge survivor = mesh.edge(0);
    PresenceLog log = survivor.log();
    long[] reconnectingAt = new long[2];
    mesh.addEdge()
        .compose(
            victim ->
                Future.all(victim.open("drained-back"), victim.open("drained-gone"))
                    .compose(
                        opened ->
                            Future.all(
                                log.await(user("drained-back", ONLINE), WAIT),
                                log.await(user("drained-gone", ONLINE), WAIT)))
                    .compose(
                        online -> {
                          victim.kill();
                          // A surviving edge reports the loss too; either report starts the grace.
                          survivor.purgeNode(victim.node().nodeId());
                          return Future.all(
                              log.await(user("drained-back", RECONNECTING), WAIT),
                              log.await(user("drained-gone", RECONNECTING), WAIT));
                        })
                    .compose(
                        reconnecting -> {
                          PresenceLog.Received back = reconnecting.resultAt(0);
                          PresenceLog.Received gone = reconnecting.resultAt(1);
                          reconnectingAt[0] = back.nanos();
                          reconnectingAt[1] = gone.nanos();
                          test.verify(
                              () ->
                                  assertThat(back.event().reason())
                                      .isEqualTo(CloseReason.NODE_LOST));
                          // Past the grace, well within grace + allowance: still reconnecting.
                          return survivor.node().vertx().timer(GRACE.toMillis() + 1_000);
                        })
                    .compose(
                        v -> {
                          test.verify(
                              () ->
                                  assertThat(changes(log, "drained-back"))
                                      .as("after the grace alone")
                                      .containsExactly(ONLINE, RECONNECTING));
                          return survivor.open("drained-back");
                        })
                    .compose(v -> log.await(user("drained-back", ONLINE), 2, WAIT))
                    .compose(v -> log.await(user("drained-gone", OFFLINE), WAIT))
                    .compose(
                        offline -> {
                          long millis = (offline.nanos() - reconnectingAt[1]) / 1_000_000;
                          test.verify(
                              () ->
                                  assertThat(millis)
                                      .as("reconnecting to offline, ms")
                                      .isGreaterThanOrEqualTo(
                                          GRACE.plus(ALLOWANCE).toMillis() - 500));
                          return survivor
                              .node()
                              .vertx()
                              .timer(mesh.options().sweepInterval().toMillis() * 10);
                        })
                    .compose(v -> victim.close()))
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, "drained-back"))
                              .containsExactly(ONLINE, RECONNECTING, ONLINE);
                          assertThat(changes(log, "drained-gone"))
                              .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                          test.completeNow();
                        })));
  }
}
