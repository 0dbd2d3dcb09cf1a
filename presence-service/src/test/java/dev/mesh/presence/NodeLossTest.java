package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.JOIN;
import static dev.mesh.common.presence.PresenceChange.LEAVE;
import static dev.mesh.common.presence.PresenceChange.OFFLINE;
import static dev.mesh.common.presence.PresenceChange.ONLINE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.member;
import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SimulatedEdge;
import dev.mesh.presence.support.TestMesh;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 4, test 4: a connection node dies like {@code kill -9} (its Hazelcast member terminated)
 * with 100 users connected through it. Two presence instances, one surviving connection node.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Connection node lost with 100 users: grace path, returning users never offline")
class NodeLossTest {

  private static final Logger LOG = LoggerFactory.getLogger(NodeLossTest.class);
  static final Duration GRACE = Duration.ofSeconds(3);
  static final Duration WAIT = Duration.ofSeconds(20);
  static final int USERS = 100;
  static final int IN_LOBBY = 10;

  private static TestMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh = TestMesh.start(2, 1, options -> options.withWindows(Duration.ofMillis(500), GRACE));
  }

  @AfterAll
  static void stopMesh() {
    mesh.close();
  }

  private static Predicate<dev.mesh.common.presence.PresenceChanged> anyUser(
      String prefix, PresenceChange change) {
    return e -> e.channel() == null && e.userId().startsWith(prefix) && e.change() == change;
  }

  /**
   * Opens the users on the victim, the first {@code IN_LOBBY} joining the lobby; waits until all
   * are online.
   */
  private static Future<List<ConnectionIdentity>> connect(
      SimulatedEdge victim, SimulatedEdge survivor, String prefix, String lobby) {
    List<Future<ConnectionIdentity>> opened =
        IntStream.range(0, USERS)
            .mapToObj(
                i ->
                    victim
                        .open(prefix + i)
                        .compose(
                            id ->
                                i < IN_LOBBY
                                    ? victim
                                        .join(
                                            id,
                                            lobby,
                                            JsonNodeFactory.instance.objectNode().put("n", i),
                                            0)
                                        .map(id)
                                    : Future.succeededFuture(id)))
            .toList();
    return Future.all(opened)
        .compose(
            all ->
                survivor
                    .log()
                    .await(anyUser(prefix, ONLINE), USERS, WAIT)
                    .compose(
                        v ->
                            survivor
                                .log()
                                .await(
                                    e -> lobby.equals(e.channel()) && e.change() == JOIN,
                                    IN_LOBBY,
                                    WAIT))
                    .map(v -> all.<ConnectionIdentity>list()));
  }

  /**
   * Half the users (even numbers) reconnect through the survivor as soon as they are reconnecting.
   */
  private static Future<Void> killAndCheck(
      VertxTestContext test,
      SimulatedEdge victim,
      SimulatedEdge survivor,
      String prefix,
      String lobby,
      boolean survivorReports) {
    PresenceLog log = survivor.log();
    long[] killedAt = new long[1];
    return connect(victim, survivor, prefix, lobby)
        .compose(
            ids -> {
              killedAt[0] = System.nanoTime();
              victim.kill();
              if (survivorReports) {
                // What connection-service's survivors do: purge the dead node's registry entries,
                // report node-lost.
                survivor.purgeNode(victim.node().nodeId());
              }
              return log.await(anyUser(prefix, RECONNECTING), USERS, WAIT);
            })
        .compose(
            reconnecting -> {
              long allReconnecting =
                  (reconnecting.get(reconnecting.size() - 1).nanos() - killedAt[0]) / 1_000_000;
              LOG.info(
                  "measured: kill -> all {} users reconnecting {} ms (survivor reports: {})",
                  USERS,
                  allReconnecting,
                  survivorReports);
              List<Future<?>> back = new ArrayList<>();
              for (int i = 0; i < USERS; i += 2) {
                int n = i;
                back.add(
                    survivor
                        .open(prefix + n)
                        .compose(
                            id ->
                                n < IN_LOBBY
                                    ? survivor.join(id, lobby, null, 0)
                                    : Future.succeededFuture()));
              }
              return Future.all(back);
            })
        .compose(v -> log.await(anyUser(prefix, OFFLINE), USERS / 2, WAIT))
        .compose(
            offline -> {
              long first = (offline.get(0).nanos() - killedAt[0]) / 1_000_000;
              long last = (offline.get(offline.size() - 1).nanos() - killedAt[0]) / 1_000_000;
              LOG.info(
                  "measured: kill -> offline {}..{} ms with grace {} ms",
                  first,
                  last,
                  GRACE.toMillis());
              return log.await(
                  e -> lobby.equals(e.channel()) && e.change() == LEAVE, IN_LOBBY / 2, WAIT);
            })
        .compose(v -> victim.close())
        .compose(
            v -> survivor.node().vertx().timer(mesh.options().sweepInterval().toMillis() * 5 + 200))
        .map(
            v -> {
              test.verify(
                  () -> {
                    for (int i = 0; i < USERS; i++) {
                      List<PresenceChange> changes = log.changesInVersionOrder(user(prefix + i));
                      if (i % 2 == 0) {
                        assertThat(changes)
                            .as("user %d returned", i)
                            .containsExactly(ONLINE, RECONNECTING, ONLINE);
                      } else {
                        assertThat(changes)
                            .as("user %d did not return", i)
                            .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                      }
                      assertThat(
                              log.matching(user(prefix + i, RECONNECTING)).get(0).event().reason())
                          .isEqualTo(CloseReason.NODE_LOST);
                    }
                    for (int i = 0; i < IN_LOBBY; i++) {
                      // The lost connection's leave and the returning page's join are separate
                      // updates whose events may arrive in either order: versions order them.
                      List<PresenceChange> diffs =
                          log.changesInVersionOrder(member(lobby, prefix + i));
                      assertThat(diffs)
                          .as("lobby member %d", i)
                          .containsExactly(JOIN, RECONNECTING, i % 2 == 0 ? JOIN : LEAVE);
                    }
                  });
              return null;
            });
  }

  @Test
  @DisplayName(
      "test 4: no connection node survives to report: presence's own membership watch takes the grace path")
  void withoutSurvivorReports(VertxTestContext test) {
    mesh.addEdge()
        .compose(victim -> killAndCheck(test, victim, mesh.edge(0), "lost-a-", "lobby-a", false))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "test 4: a surviving node also reports node-lost for each connection: each is still counted once")
  void withSurvivorReports(VertxTestContext test) {
    mesh.addEdge()
        .compose(victim -> killAndCheck(test, victim, mesh.edge(0), "lost-b-", "lobby-b", true))
        .onComplete(test.succeedingThenComplete());
  }
}
