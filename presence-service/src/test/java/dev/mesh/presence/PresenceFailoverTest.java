package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.OFFLINE;
import static dev.mesh.common.presence.PresenceChange.ONLINE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.presence.support.Eventually;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SimulatedEdge;
import dev.mesh.presence.support.TestMesh;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 4, test 5: two presence-service instances; one is killed ({@code kill -9}: its Hazelcast
 * member terminated) while expirations are pending. Every expiry still fires, exactly once, and
 * nothing else is lost.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Killing one of two presence instances during pending expirations")
class PresenceFailoverTest {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceFailoverTest.class);
  static final Duration DEBOUNCE = Duration.ofMillis(1500);
  static final Duration GRACE = Duration.ofMillis(2500);
  static final Duration WAIT = Duration.ofSeconds(12);
  static final int PER_GROUP = 20;

  private TestMesh mesh;

  @BeforeEach
  void startMesh() {
    mesh = TestMesh.start(2, 1, options -> options.withWindows(DEBOUNCE, GRACE));
  }

  @AfterEach
  void stopMesh() {
    mesh.close();
  }

  private static List<String> group(String name) {
    return IntStream.range(0, PER_GROUP).mapToObj(i -> name + i).toList();
  }

  private static Predicate<PresenceChanged> anyOf(List<String> users, PresenceChange change) {
    return e -> e.channel() == null && users.contains(e.userId()) && e.change() == change;
  }

  private static Future<List<ConnectionIdentity>> openAll(SimulatedEdge edge, List<String> users) {
    return Future.all(users.stream().map(edge::open).toList())
        .map(all -> all.<ConnectionIdentity>list());
  }

  private static Future<Void> closeAll(
      SimulatedEdge edge, List<ConnectionIdentity> ids, CloseReason reason) {
    return Future.all(ids.stream().map(id -> edge.close(id, reason)).toList()).mapEmpty();
  }

  private static Future<List<UserPresence>> statuses(SimulatedEdge edge, List<String> users) {
    return edge.bus()
        .request(Addresses.PRESENCE_QUERY, new PresenceQuery(users), PresenceStatuses.class)
        .map(PresenceStatuses::users);
  }

  @Test
  @DisplayName(
      "test 5: grace and debounce expiries pending on the killed instance fire once on the survivor; "
          + "online users and channel members are kept")
  void killDuringPendingExpirations(VertxTestContext test) {
    SimulatedEdge edge = mesh.edge(0);
    PresenceLog log = edge.log();
    List<String> dropped = group("drop-");
    List<String> leaving = group("leave-");
    List<String> staying = group("stay-");
    List<String> everyone = new java.util.ArrayList<>(dropped);
    everyone.addAll(leaving);
    everyone.addAll(staying);
    List<List<ConnectionIdentity>> ids = new java.util.ArrayList<>();
    long[] killedAt = new long[1];
    double[] windowsStarted = new double[2];
    java.util.Map<String, java.time.Instant> deadlines = new java.util.HashMap<>();
    Future.all(openAll(edge, dropped), openAll(edge, leaving), openAll(edge, staying))
        .compose(
            all -> {
              for (int i = 0; i < 3; i++) {
                ids.add(all.resultAt(i));
              }
              return log.await(anyOf(everyone, ONLINE), everyone.size(), WAIT);
            })
        .compose(v -> edge.join(ids.get(2).get(0), "kept-room", null, 10))
        .compose(
            v ->
                Future.all(
                    closeAll(edge, ids.get(0), CloseReason.NETWORK_ERROR),
                    closeAll(edge, ids.get(1), CloseReason.CLIENT_NORMAL)))
        .compose(v -> log.await(anyOf(dropped, RECONNECTING), PER_GROUP, WAIT))
        .compose(
            v ->
                Eventually.poll(
                    edge.node().vertx(),
                    () -> statuses(edge, leaving),
                    list -> list.stream().allMatch(s -> s.offlineAt() != null),
                    WAIT))
        .compose(v -> statuses(edge, pendingUsers(dropped, leaving)))
        .compose(
            pending -> {
              pending.forEach(p -> deadlines.put(p.userId(), p.offlineAt()));
              killedAt[0] = System.nanoTime();
              windowsStarted[0] = windowsStarted(mesh.presence(0));
              windowsStarted[1] = windowsStarted(mesh.presence(1));
              LOG.info(
                  "killing presence instance {}: it started {} of the {} pending windows (its timers die with it)",
                  mesh.presence(0).running().node().nodeId(),
                  windowsStarted[0],
                  2 * PER_GROUP);
              return mesh.killPresence(0);
            })
        .compose(v -> log.await(anyOf(dropped, OFFLINE), PER_GROUP, WAIT))
        .compose(v -> log.await(anyOf(leaving, OFFLINE), PER_GROUP, WAIT))
        .compose(
            offline -> {
              var lateness =
                  log.matching(anyOf(pendingUsers(dropped, leaving), OFFLINE)).stream()
                      .mapToLong(
                          r ->
                              Duration.between(deadlines.get(r.event().userId()), r.event().at())
                                  .toMillis())
                      .summaryStatistics();
              LOG.info(
                  "measured: after the kill, offline fired {}..{} ms (mean {}) after each user's deadline "
                      + "(grace {} ms, debounce {} ms, sweep {} ms)",
                  lateness.getMin(),
                  lateness.getMax(),
                  Math.round(lateness.getAverage()),
                  GRACE.toMillis(),
                  DEBOUNCE.toMillis(),
                  mesh.options().sweepInterval().toMillis());
              test.verify(
                  () ->
                      assertThat(lateness.getMin())
                          .as("never before the deadline")
                          .isGreaterThanOrEqualTo(0));
              return Eventually.quiet(
                  edge.node().vertx(), mesh.options().sweepInterval().multipliedBy(10));
            })
        .compose(v -> statuses(edge, everyone))
        .compose(
            list ->
                edge.bus()
                    .request(
                        Addresses.PRESENCE_CHANNEL,
                        new ChannelQuery("kept-room", 10),
                        ChannelMembers.class)
                    .map(
                        room -> {
                          test.verify(
                              () -> {
                                for (String userId : dropped) {
                                  assertThat(changes(log, userId))
                                      .as(userId)
                                      .containsExactly(ONLINE, RECONNECTING, OFFLINE);
                                }
                                for (String userId : leaving) {
                                  assertThat(changes(log, userId))
                                      .as(userId)
                                      .containsExactly(ONLINE, OFFLINE);
                                }
                                for (String userId : staying) {
                                  assertThat(changes(log, userId))
                                      .as(userId)
                                      .containsExactly(ONLINE);
                                }
                                assertThat(list)
                                    .allSatisfy(
                                        s ->
                                            assertThat(s.status())
                                                .isEqualTo(
                                                    s.userId().startsWith("stay-")
                                                        ? PresenceStatus.ONLINE
                                                        : PresenceStatus.OFFLINE));
                                assertThat(
                                        list.stream().filter(s -> s.userId().startsWith("stay-")))
                                    .allSatisfy(s -> assertThat(s.connections()).isEqualTo(1));
                                assertThat(room.members())
                                    .extracting(ChannelMembers.Member::userId)
                                    .containsExactly("stay-0");
                                assertThat(windowsStarted[0] + windowsStarted[1])
                                    .as("each window started by exactly one instance")
                                    .isEqualTo(2 * PER_GROUP);
                              });
                          return null;
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  private static List<String> pendingUsers(List<String> dropped, List<String> leaving) {
    List<String> users = new java.util.ArrayList<>(dropped);
    users.addAll(leaving);
    return users;
  }

  private static double windowsStarted(TestMesh.Presence presence) {
    var registry = presence.running().context().registry();
    return registry.find("mesh.presence.grace.started").tag("level", "user").counters().stream()
            .mapToDouble(c -> c.count())
            .sum()
        + registry.find("mesh.presence.debounce.started").tag("level", "user").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
  }

  private static List<PresenceChange> changes(PresenceLog log, String userId) {
    return log.matching(user(userId)).stream().map(r -> r.event().change()).toList();
  }
}
