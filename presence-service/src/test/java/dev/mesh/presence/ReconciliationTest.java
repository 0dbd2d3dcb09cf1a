package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.JOIN;
import static dev.mesh.common.presence.PresenceChange.LEAVE;
import static dev.mesh.common.presence.PresenceChange.OFFLINE;
import static dev.mesh.common.presence.PresenceChange.ONLINE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.member;
import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.state.JoinChannel;
import dev.mesh.common.presence.state.PresenceMaps;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.presence.support.Eventually;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SharedMesh;
import dev.mesh.presence.support.SimulatedEdge;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Self-healing against the registry (reconcile interval {@link SharedMesh#RECONCILE}): ghosts go
 * through the grace path, connections presence never heard of are counted, and live ones are never
 * touched.
 */
@ExtendWith({VertxExtension.class, SharedMesh.class})
@DisplayName("Reconciliation with the registry")
class ReconciliationTest {

  static final Duration WAIT = Duration.ofSeconds(20);

  private static SimulatedEdge edge() {
    return SharedMesh.mesh().edge(0);
  }

  private static List<dev.mesh.common.presence.PresenceChange> changes(
      PresenceLog log, String userId) {
    return log.matching(user(userId)).stream().map(r -> r.event().change()).toList();
  }

  @Test
  @DisplayName(
      "a connection counted that the registry does not hold (its close was lost) is reconnecting, then offline; "
          + "a registered one is left alone")
  void ghostGoesThroughGrace(VertxTestContext test) {
    PresenceLog log = edge().log();
    ConnectionIdentity ghost = edge().identity("ghost-user");
    edge()
        .node()
        .vertx()
        .eventBus()
        .publish(
            Addresses.CONNECTION_EVENTS,
            new ConnectionOpened(ghost, Transport.WEBSOCKET, Instant.now()));
    edge()
        .open("real-user")
        .compose(v -> log.await(user("ghost-user", RECONNECTING), WAIT))
        .compose(
            reconnecting -> {
              test.verify(
                  () ->
                      assertThat(reconnecting.event().reason().wireName()).isEqualTo("node-lost"));
              return log.await(user("ghost-user", OFFLINE), WAIT);
            })
        .compose(v -> Eventually.quiet(edge().node().vertx(), SharedMesh.RECONCILE.multipliedBy(2)))
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertThat(changes(log, "ghost-user"))
                              .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                          assertThat(changes(log, "real-user")).containsExactly(ONLINE);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "a connection the registry holds that presence never counted (its open was lost) is counted")
  void lostOpenIsCounted(VertxTestContext test) {
    ConnectionIdentity unseen = edge().identity("unseen-user");
    Future.fromCompletionStage(
            Registry.users(edge().node().hazelcast())
                .submitToKey(
                    unseen.userId(),
                    new RegisterConnection(
                        new RegistryEntry(unseen, Transport.SSE, Instant.now()), 10, false)))
        .compose(v -> edge().log().await(user("unseen-user", ONLINE), WAIT))
        .compose(v -> edge().status("unseen-user"))
        .onComplete(
            test.succeeding(
                status ->
                    test.verify(
                        () -> {
                          assertThat(status.connections()).isEqualTo(1);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "a channel member whose connection is not in that channel for its user (a lost leave) leaves through grace")
  void channelGhostLeaves(VertxTestContext test) {
    PresenceLog log = edge().log();
    String hall = "hall";
    edge()
        .open("hall-member")
        .compose(id -> edge().join(id, hall, null, 0))
        .compose(
            v ->
                Future.fromCompletionStage(
                    PresenceMaps.channels(edge().node().hazelcast())
                        .submitToKey(
                            hall,
                            new JoinChannel(
                                "phantom",
                                "no-such-connection",
                                null,
                                10,
                                0,
                                System.currentTimeMillis(),
                                SharedMesh.mesh().options().timing()))))
        .compose(v -> log.await(member(hall, "phantom", RECONNECTING), WAIT))
        .compose(v -> log.await(member(hall, "phantom", LEAVE), WAIT))
        .compose(
            v ->
                edge()
                    .bus()
                    .request(
                        Addresses.PRESENCE_CHANNEL,
                        new ChannelQuery(hall, 10),
                        ChannelMembers.class))
        .onComplete(
            test.succeeding(
                snapshot ->
                    test.verify(
                        () -> {
                          assertThat(snapshot.members())
                              .extracting(ChannelMembers.Member::userId)
                              .containsExactly("hall-member");
                          assertThat(
                                  log.matching(member(hall, "hall-member")).stream()
                                      .map(r -> r.event().change())
                                      .toList())
                              .containsExactly(JOIN);
                          test.completeNow();
                        })));
  }
}
