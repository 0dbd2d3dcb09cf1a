package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.OFFLINE;
import static dev.mesh.common.presence.PresenceChange.ONLINE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SimulatedEdge;
import dev.mesh.presence.support.TestMesh;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 11: a presence instance that is not quorate (here marked paused, as its pause watch does
 * after a SIGSTOP) makes nobody offline from what it counted, which may miss the opens published
 * while it was out; once quorate again, a reconcile pass counts the registry's live connections
 * before any expiry. Reconciliation's own interval is an hour, so only that pass can count them.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Expiry holds while presence is not quorate, until it has reconciled")
class ExpiryHoldTest {

  static final Duration GRACE = Duration.ofSeconds(1);
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
                    .withReconcileInterval(Duration.ofHours(1)));
  }

  @AfterAll
  static void stopMesh() {
    mesh.close();
  }

  private static List<PresenceChange> changes(PresenceLog log, String userId) {
    return log.changesInVersionOrder(user(userId));
  }

  /** Registers a connection without its ConnectionOpened: the event presence missed. */
  private static Future<Void> registerUnannounced(SimulatedEdge edge, String userId) {
    ConnectionIdentity identity = edge.identity(userId);
    return Future.fromCompletionStage(
            Registry.users(edge.node().hazelcast())
                .submitToKey(
                    userId,
                    new RegisterConnection(
                        new RegistryEntry(identity, Transport.WEBSOCKET, Instant.now()),
                        10,
                        false)),
            edge.node().vertx().getOrCreateContext())
        .mapEmpty();
  }

  @Test
  @DisplayName(
      "a returned user whose open was missed goes back online, never offline; one who did not return goes offline"
          + " only after quorum and reconciliation")
  void holdsUntilReconciled(VertxTestContext test) {
    SimulatedEdge edge = mesh.edge(0);
    PresenceLog log = edge.log();
    MeshNode presence = mesh.presence(0).running().node();
    Duration pastGrace = GRACE.plus(mesh.options().sweepInterval().multipliedBy(10));
    Future.all(edge.open("held-back"), edge.open("held-gone"))
        .compose(
            opened ->
                Future.all(
                        log.await(user("held-back", ONLINE), WAIT),
                        log.await(user("held-gone", ONLINE), WAIT))
                    .map(opened))
        .compose(
            opened -> {
              presence.markPaused("test: presence cut off from the cluster");
              return Future.all(
                  edge.close(opened.resultAt(0), CloseReason.NETWORK_ERROR),
                  edge.close(opened.resultAt(1), CloseReason.NETWORK_ERROR));
            })
        .compose(
            closed ->
                Future.all(
                    log.await(user("held-back", RECONNECTING), WAIT),
                    log.await(user("held-gone", RECONNECTING), WAIT)))
        .compose(v -> registerUnannounced(edge, "held-back"))
        // Well past both deadlines: a timer or a sweep would have fired them by now.
        .compose(v -> edge.node().vertx().timer(pastGrace.toMillis()))
        .compose(v -> edge.status("held-gone"))
        .compose(
            held -> {
              test.verify(
                  () -> {
                    assertThat(held.status()).isEqualTo(PresenceStatus.RECONNECTING);
                    assertThat(changes(log, "held-back")).containsExactly(ONLINE, RECONNECTING);
                    assertThat(changes(log, "held-gone")).containsExactly(ONLINE, RECONNECTING);
                  });
              presence.clearPaused();
              return Future.all(
                  log.await(user("held-back", ONLINE), 2, WAIT),
                  log.await(user("held-gone", OFFLINE), WAIT));
            })
        .compose(v -> edge.node().vertx().timer(pastGrace.toMillis()))
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, "held-back"))
                              .as("reconciled before any expiry")
                              .containsExactly(ONLINE, RECONNECTING, ONLINE);
                          assertThat(changes(log, "held-gone"))
                              .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                          test.completeNow();
                        })));
  }
}
