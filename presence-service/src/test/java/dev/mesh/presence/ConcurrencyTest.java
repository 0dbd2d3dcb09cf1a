package dev.mesh.presence;

import static dev.mesh.presence.support.PresenceLog.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.presence.support.Eventually;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SharedMesh;
import dev.mesh.presence.support.SimulatedEdge;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 4, test 7: many connects and disconnects of one user, from several nodes at once, in random
 * interleavings (random nodes, reasons, delays; closes reported twice), processed by two presence
 * instances in parallel. Whatever the order, each user ends in the state its script implies, and
 * its published changes form a valid sequence.
 */
@ExtendWith({VertxExtension.class, SharedMesh.class})
@DisplayName(
    "Concurrent connects and disconnects of one user from several nodes end in the correct state")
class ConcurrencyTest {

  private static final Logger LOG = LoggerFactory.getLogger(ConcurrencyTest.class);
  static final int USERS = 8;
  static final int STEPS = 30;
  static final Duration WAIT = Duration.ofSeconds(20);
  private static final CloseReason[] REASONS = {
    CloseReason.CLIENT_NORMAL,
    CloseReason.NETWORK_ERROR,
    CloseReason.HEARTBEAT_TIMEOUT,
    CloseReason.KICKED,
    CloseReason.REPLACED,
    CloseReason.NODE_LOST
  };

  /** What one user's script leaves open. */
  private record Script(String userId, Future<Set<String>> open) {}

  @Test
  @DisplayName(
      "test 7: random interleavings end in the correct final state, with a valid sequence of changes")
  void randomInterleavings(VertxTestContext test) {
    long seed = Long.getLong("presence.seed", System.nanoTime());
    LOG.info("seed {} (rerun with -Dpresence.seed={})", seed, seed);
    Random random = new Random(seed);
    List<SimulatedEdge> edges = List.of(SharedMesh.mesh().edge(0), SharedMesh.mesh().edge(1));
    Vertx vertx = edges.get(0).node().vertx();
    List<Script> scripts = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      String userId = "rnd-" + seed % 10_000 + "-" + u;
      // Half the users end by closing everything (racing their last steps), so they must end
      // offline.
      scripts.add(
          new Script(userId, run(vertx, edges, userId, new Random(random.nextLong()), u % 2 == 0)));
    }
    Future.all(
            scripts.stream()
                .map(s -> s.open().compose(open -> settled(edges.get(0), s.userId(), open.size())))
                .toList())
        .compose(
            v ->
                Eventually.quiet(
                    vertx, SharedMesh.mesh().options().sweepInterval().multipliedBy(5)))
        .compose(
            v -> Future.all(scripts.stream().map(s -> edges.get(0).status(s.userId())).toList()))
        .onComplete(
            test.succeeding(
                finals ->
                    test.verify(
                        () -> {
                          for (int u = 0; u < USERS; u++) {
                            Script script = scripts.get(u);
                            Set<String> open = script.open().result();
                            UserPresence status = finals.resultAt(u);
                            assertThat(status.connections())
                                .as("%s connections", script.userId())
                                .isEqualTo(open.size());
                            assertThat(status.status())
                                .as("%s status", script.userId())
                                .isEqualTo(
                                    open.isEmpty()
                                        ? PresenceStatus.OFFLINE
                                        : PresenceStatus.ONLINE);
                            for (SimulatedEdge edge : edges) {
                              checkSequence(edge.log(), script.userId(), status.status());
                            }
                          }
                          test.completeNow();
                        })));
  }

  /**
   * Fires the user's steps without waiting for one to finish before the next: each opens a
   * connection on a random node or closes a random open one (from a random node, sometimes reported
   * a second time by another node), after a random delay. Events of different nodes reach the two
   * presence instances in any order. With {@code closeAll}, every connection still open is then
   * closed the same way. Completes with the connection ids left open once every step is done.
   */
  private static Future<Set<String>> run(
      Vertx vertx, List<SimulatedEdge> edges, String userId, Random random, boolean closeAll) {
    List<ConnectionIdentity> open = new ArrayList<>();
    Set<String> stillOpen = new HashSet<>();
    Map<String, Future<Void>> opened = new HashMap<>();
    List<Future<?>> steps = new ArrayList<>();
    long delay = 1;
    for (int step = 0; step < STEPS || (closeAll && !open.isEmpty()); step++) {
      delay += random.nextInt(15);
      SimulatedEdge edge = edges.get(random.nextInt(edges.size()));
      Promise<Void> done = Promise.promise();
      steps.add(done.future());
      if (step < STEPS && (open.isEmpty() || random.nextInt(100) < 55)) {
        ConnectionIdentity id = edge.identity(userId);
        open.add(id);
        stillOpen.add(id.connectionId());
        Promise<Void> registered = Promise.promise();
        opened.put(id.connectionId(), registered.future());
        vertx.setTimer(
            delay, t -> edge.open(id).<Void>mapEmpty().onComplete(registered).onComplete(done));
      } else {
        ConnectionIdentity id = open.remove(random.nextInt(open.size()));
        stillOpen.remove(id.connectionId());
        CloseReason reason = REASONS[random.nextInt(REASONS.length)];
        boolean twice = random.nextInt(4) == 0;
        SimulatedEdge other = edges.get(random.nextInt(edges.size()));
        // Like a real node, the registry removal follows the registration; the events still race
        // across nodes.
        Future<Void> registered = opened.get(id.connectionId());
        vertx.setTimer(
            delay,
            t ->
                registered
                    .compose(r -> edge.close(id, reason))
                    .onComplete(done)
                    .onSuccess(
                        v -> {
                          if (twice) {
                            other.publishClosed(id, CloseReason.NODE_LOST);
                          }
                        }));
      }
    }
    return Future.all(steps).map(v -> stillOpen);
  }

  /**
   * Waits until presence shows the final state the script implies (offline may wait for a grace
   * period).
   */
  private static Future<UserPresence> settled(SimulatedEdge edge, String userId, int open) {
    return Eventually.poll(
        edge.node().vertx(),
        () -> edge.status(userId),
        s ->
            s.connections() == open
                && (open > 0
                    ? s.status() == PresenceStatus.ONLINE
                    : s.status() == PresenceStatus.OFFLINE),
        WAIT);
  }

  /**
   * Ordered by version, the changes must be a walk of: offline -online-> online -reconnecting->
   * reconnecting -online-> online, and online or reconnecting -offline-> offline; each version
   * once; ending in the final status.
   */
  private static void checkSequence(PresenceLog log, String userId, PresenceStatus last) {
    List<PresenceChanged> events =
        log.matching(user(userId)).stream()
            .map(PresenceLog.Received::event)
            .sorted(Comparator.comparingLong(PresenceChanged::version))
            .toList();
    assertThat(events.stream().map(PresenceChanged::version).distinct().count())
        .as("%s: no duplicate", userId)
        .isEqualTo(events.size());
    PresenceStatus state = PresenceStatus.OFFLINE;
    for (PresenceChanged event : events) {
      PresenceStatus from = state;
      state =
          switch (event.change()) {
            case ONLINE -> {
              assertThat(from)
                  .as("%s: online from %s in %s", userId, from, events)
                  .isNotEqualTo(PresenceStatus.ONLINE);
              yield PresenceStatus.ONLINE;
            }
            case RECONNECTING -> {
              assertThat(from)
                  .as("%s: reconnecting from %s in %s", userId, from, events)
                  .isEqualTo(PresenceStatus.ONLINE);
              yield PresenceStatus.RECONNECTING;
            }
            case OFFLINE -> {
              assertThat(from)
                  .as("%s: offline from %s in %s", userId, from, events)
                  .isNotEqualTo(PresenceStatus.OFFLINE);
              yield PresenceStatus.OFFLINE;
            }
            default -> throw new AssertionError("channel change at user level: " + event);
          };
    }
    assertThat(state).as("%s: last change in %s", userId, events).isEqualTo(last);
    assertThat(
            events.stream()
                .map(PresenceChanged::change)
                .filter(c -> c == PresenceChange.ONLINE)
                .count())
        .as("%s: came online at least once", userId)
        .isPositive();
  }
}
