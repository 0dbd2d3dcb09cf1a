package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.OFFLINE;
import static dev.mesh.common.presence.PresenceChange.ONLINE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.presence.support.Eventually;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SharedMesh;
import dev.mesh.presence.support.SimulatedEdge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 4, tests 1-3: user presence through real clustered nodes (two presence instances, two
 * connection nodes).
 */
@ExtendWith({VertxExtension.class, SharedMesh.class})
@DisplayName("User presence: grace, debounce, several tabs")
class UserPresenceTest {

  private static final Logger LOG = LoggerFactory.getLogger(UserPresenceTest.class);
  static final Duration DEBOUNCE = SharedMesh.DEBOUNCE;
  static final Duration GRACE = SharedMesh.GRACE;
  static final Duration WAIT = Duration.ofSeconds(20);

  private static SimulatedEdge a() {
    return SharedMesh.mesh().edge(0);
  }

  private static SimulatedEdge b() {
    return SharedMesh.mesh().edge(1);
  }

  private static Vertx vertx() {
    return a().node().vertx();
  }

  /** Long enough for a duplicate to show: several sweeps. */
  private static Future<Void> settle() {
    return Eventually.quiet(
        vertx(), SharedMesh.mesh().options().sweepInterval().multipliedBy(5).plusMillis(200));
  }

  private static List<PresenceChange> changes(PresenceLog log, String userId) {
    return log.matching(user(userId)).stream().map(r -> r.event().change()).toList();
  }

  private static Future<ConnectionIdentity> openOnline(SimulatedEdge edge, String userId) {
    return edge.open(userId).compose(id -> edge.log().await(user(userId, ONLINE), WAIT).map(id));
  }

  @Test
  @DisplayName(
      "test 1: a tab that drops and reconnects within grace is reconnecting in between and never offline; "
          + "one that does not return goes offline exactly once, after the grace")
  void dropAndReconnectWithinGrace(VertxTestContext test) {
    PresenceLog log = a().log();
    String back = "t1-back";
    String gone = "t1-gone";
    long[] closedAt = new long[1];
    Future.all(openOnline(a(), back), openOnline(a(), gone))
        .compose(
            opened -> {
              closedAt[0] = System.nanoTime();
              return Future.all(
                  a().close(opened.resultAt(0), CloseReason.NETWORK_ERROR),
                  a().close(opened.resultAt(1), CloseReason.NETWORK_ERROR));
            })
        .compose(v -> log.await(user(back, RECONNECTING), WAIT))
        .compose(r -> a().status(back))
        .compose(
            between -> {
              test.verify(
                  () -> {
                    assertThat(between.status()).isEqualTo(PresenceStatus.RECONNECTING);
                    assertThat(between.offlineAt()).isNotNull();
                    assertThat(between.reason()).isEqualTo(CloseReason.NETWORK_ERROR);
                  });
              return b().open(back);
            })
        .compose(id -> log.await(user(back, ONLINE), 2, WAIT))
        .compose(v -> log.await(user(gone, OFFLINE), WAIT))
        .compose(
            offline -> {
              long millis = (offline.nanos() - closedAt[0]) / 1_000_000;
              LOG.info(
                  "measured: close -> offline {} ms with grace {} ms (sweep {} ms)",
                  millis,
                  GRACE.toMillis(),
                  SharedMesh.mesh().options().sweepInterval().toMillis());
              test.verify(() -> assertThat(millis).isGreaterThanOrEqualTo(GRACE.toMillis()));
              return settle();
            })
        .compose(v -> a().status(back))
        .onComplete(
            test.succeeding(
                status ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, back))
                              .containsExactly(ONLINE, RECONNECTING, ONLINE);
                          assertThat(changes(log, gone))
                              .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                          assertThat(
                                  log.matching(user(back)).stream()
                                      .map(r -> r.event().version())
                                      .toList())
                              .isSorted();
                          assertThat(status.status()).isEqualTo(PresenceStatus.ONLINE);
                          assertThat(status.connections()).isEqualTo(1);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "test 2: an intentional close then a new page within the debounce emits nothing; the last tab closed "
          + "intentionally goes offline after the debounce, not the grace")
  void intentionalCloseIsDebounced(VertxTestContext test) {
    PresenceLog log = a().log();
    String navigating = "t2-nav";
    String leaving = "t2-leave";
    long[] closedAt = new long[1];
    Future.all(openOnline(a(), navigating), openOnline(a(), leaving))
        .compose(
            opened -> {
              closedAt[0] = System.nanoTime();
              return a().close(opened.resultAt(0), CloseReason.CLIENT_NORMAL)
                  .compose(v -> b().open(navigating))
                  .compose(v -> a().close(opened.resultAt(1), CloseReason.CLIENT_NORMAL));
            })
        .compose(v -> log.await(user(leaving, OFFLINE), WAIT))
        .compose(
            offline -> {
              long millis = (offline.nanos() - closedAt[0]) / 1_000_000;
              LOG.info(
                  "measured: intentional close -> offline {} ms with debounce {} ms",
                  millis,
                  DEBOUNCE.toMillis());
              test.verify(
                  () -> assertThat(millis).isBetween(DEBOUNCE.toMillis(), GRACE.toMillis() - 1));
              return settle();
            })
        .compose(v -> a().status(navigating))
        .onComplete(
            test.succeeding(
                status ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, navigating)).containsExactly(ONLINE);
                          assertThat(changes(log, leaving))
                              .as("no reconnecting for an intentional close")
                              .containsExactly(ONLINE, OFFLINE);
                          assertThat(status.status()).isEqualTo(PresenceStatus.ONLINE);
                          assertThat(status.connections()).isEqualTo(1);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "test 3: with two tabs, closing one keeps the user online; closing both follows the grace rule")
  void twoTabs(VertxTestContext test) {
    PresenceLog log = a().log();
    String userId = "t3-tabs";
    ConnectionIdentity[] tabs = new ConnectionIdentity[2];
    openOnline(a(), userId)
        .compose(
            first -> {
              tabs[0] = first;
              return b().open(userId);
            })
        .compose(
            second -> {
              tabs[1] = second;
              return Eventually.poll(
                  vertx(), () -> a().status(userId), s -> s.connections() == 2, WAIT);
            })
        .compose(v -> a().close(tabs[0], CloseReason.NETWORK_ERROR))
        .compose(
            v ->
                Eventually.poll(vertx(), () -> a().status(userId), s -> s.connections() == 1, WAIT))
        .compose(
            one -> {
              test.verify(() -> assertThat(one.status()).isEqualTo(PresenceStatus.ONLINE));
              return b().close(tabs[1], CloseReason.HEARTBEAT_TIMEOUT);
            })
        .compose(v -> log.await(user(userId, OFFLINE), WAIT))
        .compose(v -> settle())
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, userId))
                              .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                          assertThat(
                                  log.matching(user(userId, RECONNECTING)).get(0).event().reason())
                              .isEqualTo(CloseReason.HEARTBEAT_TIMEOUT);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("kicked or policy: offline at once, without reconnecting")
  void kickedIsOfflineAtOnce(VertxTestContext test) {
    PresenceLog log = a().log();
    String userId = "kicked";
    long[] closedAt = new long[1];
    openOnline(a(), userId)
        .compose(
            id -> {
              closedAt[0] = System.nanoTime();
              return a().close(id, CloseReason.KICKED);
            })
        .compose(v -> log.await(user(userId, OFFLINE), WAIT))
        .onComplete(
            test.succeeding(
                offline ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, userId)).containsExactly(ONLINE, OFFLINE);
                          assertThat(offline.event().reason()).isEqualTo(CloseReason.KICKED);
                          assertThat((offline.nanos() - closedAt[0]) / 1_000_000)
                              .isLessThan(DEBOUNCE.toMillis());
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("a close reported twice (by its node, then as node-lost by another) counts once")
  void duplicateCloseCountsOnce(VertxTestContext test) {
    PresenceLog log = a().log();
    String userId = "dup-close";
    ConnectionIdentity[] tabs = new ConnectionIdentity[2];
    openOnline(a(), userId)
        .compose(
            first -> {
              tabs[0] = first;
              return a().open(userId);
            })
        .compose(
            second -> {
              tabs[1] = second;
              return Eventually.poll(
                  vertx(), () -> a().status(userId), s -> s.connections() == 2, WAIT);
            })
        .compose(v -> a().close(tabs[0], CloseReason.NETWORK_ERROR))
        .compose(
            v -> {
              b().publishClosed(tabs[0], CloseReason.NODE_LOST);
              b().publishClosed(tabs[0], CloseReason.NODE_LOST);
              return Eventually.poll(
                  vertx(), () -> a().status(userId), s -> s.connections() == 1, WAIT);
            })
        .compose(v -> settle())
        .compose(v -> a().status(userId))
        .onComplete(
            test.succeeding(
                status ->
                    test.verify(
                        () -> {
                          assertThat(status.status()).isEqualTo(PresenceStatus.ONLINE);
                          assertThat(status.connections())
                              .as("the second tab is still counted")
                              .isEqualTo(1);
                          assertThat(changes(log, userId)).containsExactly(ONLINE);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "propagation: a connection opened on one node is seen online on the other node, measured")
  void propagationAcrossNodes(VertxTestContext test) {
    int samples = 20;
    List<Long> micros = new java.util.ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < samples; i++) {
      String userId = "prop-" + i;
      chain =
          chain.compose(
              v -> {
                long started = System.nanoTime();
                return a().open(userId)
                    .compose(id -> b().log().await(user(userId, ONLINE), WAIT))
                    .map(
                        seen -> {
                          micros.add((seen.nanos() - started) / 1_000);
                          return null;
                        });
              });
    }
    chain.onComplete(
        test.succeeding(
            v ->
                test.verify(
                    () -> {
                      List<Long> sorted = micros.stream().sorted().toList();
                      LOG.info(
                          "measured: open on node A -> online received on node B: p50 {} us, max {} us ({} samples, two presence "
                              + "instances, one JVM)",
                          sorted.get(sorted.size() / 2),
                          sorted.get(sorted.size() - 1),
                          sorted.size());
                      assertThat(sorted).hasSize(samples);
                      test.completeNow();
                    })));
  }

  @Test
  @DisplayName("every presence event is published once to every node")
  void eventsReachEveryNode(VertxTestContext test) {
    String userId = "everywhere";
    openOnline(a(), userId)
        .compose(id -> b().log().await(user(userId, ONLINE), WAIT))
        .compose(v -> settle())
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          List<PresenceChanged> onA =
                              a().log().matching(user(userId)).stream()
                                  .map(PresenceLog.Received::event)
                                  .toList();
                          List<PresenceChanged> onB =
                              b().log().matching(user(userId)).stream()
                                  .map(PresenceLog.Received::event)
                                  .toList();
                          assertThat(onA).hasSize(1).isEqualTo(onB);
                          test.completeNow();
                        })));
  }
}
