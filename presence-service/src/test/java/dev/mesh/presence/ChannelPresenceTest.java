package dev.mesh.presence;

import static dev.mesh.common.presence.PresenceChange.JOIN;
import static dev.mesh.common.presence.PresenceChange.LEAVE;
import static dev.mesh.common.presence.PresenceChange.RECONNECTING;
import static dev.mesh.presence.support.PresenceLog.member;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.MemberState;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.presence.support.Eventually;
import dev.mesh.presence.support.PresenceLog;
import dev.mesh.presence.support.SharedMesh;
import dev.mesh.presence.support.SimulatedEdge;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 4, test 6: channel presence diffs reach subscribers on both connection nodes, with the
 * no-flicker rule. Two presence instances process every event, so each diff arriving exactly once
 * also shows they never double-publish.
 */
@ExtendWith({VertxExtension.class, SharedMesh.class})
@DisplayName("Channel presence: join/leave diffs on every node, no flicker, member limit")
class ChannelPresenceTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final int MAX_MEMBERS = SharedMesh.MAX_MEMBERS;

  private static SimulatedEdge a() {
    return SharedMesh.mesh().edge(0);
  }

  private static SimulatedEdge b() {
    return SharedMesh.mesh().edge(1);
  }

  private static JsonNode info(String name) {
    return JsonNodeFactory.instance.objectNode().put("name", name);
  }

  private static Future<ConnectionIdentity> joined(
      SimulatedEdge edge, String userId, String channel) {
    return edge.open(userId)
        .compose(id -> edge.join(id, channel, info(userId), MAX_MEMBERS).map(id));
  }

  private static List<PresenceChange> diffs(PresenceLog log, String channel, String userId) {
    return log.changesInVersionOrder(member(channel, userId));
  }

  private static Future<Void> settle() {
    return Eventually.quiet(
        a().node().vertx(),
        SharedMesh.mesh().options().sweepInterval().multipliedBy(5).plusMillis(200));
  }

  @Test
  @DisplayName(
      "joins reach both nodes with the member's info, the join reply is a snapshot, an unsubscribe leaves at once")
  void joinsAndExplicitLeave(VertxTestContext test) {
    String room = "room-1";
    ConnectionIdentity[] alice = new ConnectionIdentity[1];
    joined(a(), "alice", room)
        .compose(
            id -> {
              alice[0] = id;
              return b().open("bob");
            })
        .compose(bob -> b().join(bob, room, info("bob"), MAX_MEMBERS))
        .compose(
            reply -> {
              test.verify(
                  () -> {
                    assertThat(reply.joined()).isTrue();
                    assertThat(reply.count()).isEqualTo(2);
                    assertThat(reply.members())
                        .extracting(ChannelMembers.Member::userId)
                        .containsExactly("alice", "bob");
                    assertThat(reply.members().get(0).info().get("name").asText())
                        .isEqualTo("alice");
                  });
              return Future.all(
                  a().log().await(member(room, "bob", JOIN), WAIT),
                  b().log().await(member(room, "alice", JOIN), WAIT));
            })
        .compose(v -> a().leave(alice[0], room))
        .compose(
            left -> {
              test.verify(() -> assertThat(left.count()).isEqualTo(1));
              return Future.all(
                  a().log().await(member(room, "alice", LEAVE), WAIT),
                  b().log().await(member(room, "alice", LEAVE), WAIT));
            })
        .compose(v -> settle())
        .compose(
            v ->
                a().bus()
                    .request(
                        Addresses.PRESENCE_CHANNEL,
                        new ChannelQuery(room, 10),
                        ChannelMembers.class))
        .onComplete(
            test.succeeding(
                snapshot ->
                    test.verify(
                        () -> {
                          for (SimulatedEdge edge : List.of(a(), b())) {
                            assertThat(diffs(edge.log(), room, "alice"))
                                .containsExactly(JOIN, LEAVE);
                            assertThat(diffs(edge.log(), room, "bob")).containsExactly(JOIN);
                            assertThat(
                                    edge.log()
                                        .matching(member(room, "alice", LEAVE))
                                        .get(0)
                                        .event()
                                        .reason())
                                .isNull();
                            assertThat(
                                    edge.log()
                                        .matching(member(room, "bob", JOIN))
                                        .get(0)
                                        .event()
                                        .info()
                                        .get("name")
                                        .asText())
                                .isEqualTo("bob");
                          }
                          assertThat(snapshot.members())
                              .extracting(ChannelMembers.Member::userId)
                              .containsExactly("bob");
                          assertThat(snapshot.version())
                              .isGreaterThanOrEqualTo(
                                  a().log()
                                      .matching(member(room, "alice", LEAVE))
                                      .get(0)
                                      .event()
                                      .version());
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "a member who drops and returns within grace is reconnecting then joins again, never leaves; "
          + "one who does not return leaves once, after the grace")
  void noFlicker(VertxTestContext test) {
    String room = "room-2";
    Future.all(joined(a(), "carol", room), joined(a(), "dave", room))
        .compose(
            joined ->
                Future.all(
                    a().close(joined.resultAt(0), CloseReason.NETWORK_ERROR),
                    a().close(joined.resultAt(1), CloseReason.NETWORK_ERROR)))
        // Both closes are in flight at once: wait for both diffs before asking, or dave may still
        // be present.
        .compose(
            v ->
                Future.all(
                    b().log().await(member(room, "carol", RECONNECTING), WAIT),
                    b().log().await(member(room, "dave", RECONNECTING), WAIT)))
        .compose(
            v ->
                a().bus()
                    .request(
                        Addresses.PRESENCE_CHANNEL,
                        new ChannelQuery(room, 10),
                        ChannelMembers.class))
        .compose(
            between -> {
              test.verify(
                  () ->
                      assertThat(between.members())
                          .extracting(ChannelMembers.Member::state)
                          .containsOnly(MemberState.RECONNECTING));
              return joined(b(), "carol", room);
            })
        .compose(
            v ->
                Future.all(
                    a().log().await(member(room, "dave", LEAVE), WAIT),
                    b().log().await(member(room, "dave", LEAVE), WAIT)))
        .compose(v -> settle())
        .compose(
            v ->
                a().bus()
                    .request(
                        Addresses.PRESENCE_CHANNEL,
                        new ChannelQuery(room, 10),
                        ChannelMembers.class))
        .onComplete(
            test.succeeding(
                snapshot ->
                    test.verify(
                        () -> {
                          for (SimulatedEdge edge : List.of(a(), b())) {
                            assertThat(diffs(edge.log(), room, "carol"))
                                .containsExactly(JOIN, RECONNECTING, JOIN);
                            assertThat(diffs(edge.log(), room, "dave"))
                                .containsExactly(JOIN, RECONNECTING, LEAVE);
                            assertThat(
                                    edge.log()
                                        .matching(member(room, "dave", LEAVE))
                                        .get(0)
                                        .event()
                                        .reason())
                                .isEqualTo(CloseReason.NETWORK_ERROR);
                          }
                          assertThat(snapshot.members())
                              .singleElement()
                              .satisfies(
                                  m -> {
                                    assertThat(m.userId()).isEqualTo("carol");
                                    assertThat(m.state()).isEqualTo(MemberState.PRESENT);
                                  });
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "an intentional close of a member's last connection leaves after the debounce; a new page within it is no diff")
  void debouncedLeave(VertxTestContext test) {
    String room = "room-3";
    Future.all(joined(a(), "erin", room), joined(a(), "frank", room))
        .compose(
            joined ->
                a().close(joined.resultAt(0), CloseReason.CLIENT_NORMAL)
                    .compose(v -> joined(b(), "erin", room))
                    .compose(v -> a().close(joined.resultAt(1), CloseReason.CLIENT_NORMAL)))
        .compose(v -> b().log().await(member(room, "frank", LEAVE), WAIT))
        .compose(v -> settle())
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          for (SimulatedEdge edge : List.of(a(), b())) {
                            assertThat(diffs(edge.log(), room, "erin")).containsExactly(JOIN);
                            assertThat(diffs(edge.log(), room, "frank"))
                                .containsExactly(JOIN, LEAVE);
                          }
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "the member limit refuses a new user (joined false, no diff) but not another tab of a member")
  void memberLimit(VertxTestContext test) {
    String room = "room-4";
    joined(a(), "m1", room)
        .compose(v -> joined(a(), "m2", room))
        .compose(v -> joined(b(), "m3", room))
        .compose(v -> b().open("m4"))
        .compose(m4 -> b().join(m4, room, info("m4"), MAX_MEMBERS))
        .compose(
            refused -> {
              test.verify(
                  () -> {
                    assertThat(refused.joined()).isFalse();
                    assertThat(refused.count()).isEqualTo(MAX_MEMBERS);
                  });
              return b().open("m1");
            })
        .compose(secondTab -> b().join(secondTab, room, null, 0))
        .compose(
            accepted -> {
              test.verify(
                  () -> {
                    assertThat(accepted.joined()).isTrue();
                    assertThat(accepted.members()).isEmpty();
                    assertThat(accepted.truncated()).isTrue();
                  });
              return settle();
            })
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          assertThat(a().log().count(member(room, "m4"))).isZero();
                          assertThat(diffs(a().log(), room, "m1")).containsExactly(JOIN);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("a connection that has closed cannot join (404), and a malformed request is a 400")
  void refusals(VertxTestContext test) {
    b().open("gina")
        .compose(id -> b().close(id, CloseReason.CLIENT_NORMAL).map(id))
        .compose(
            id ->
                Eventually.poll(
                        b().node().vertx(),
                        () -> b().status("gina"),
                        s -> s.connections() == 0,
                        WAIT)
                    .map(id))
        .compose(id -> b().join(id, "room-5", null, 1))
        .recover(
            e -> {
              test.verify(
                  () ->
                      assertThat(((ReplyException) e).failureCode())
                          .isEqualTo(ErrorCodes.NOT_FOUND));
              return b().bus()
                  .request(
                      Addresses.PRESENCE_CHANNEL,
                      new ChannelQuery("bad channel!", 1),
                      ChannelMembers.class);
            })
        .onComplete(
            test.failing(
                e ->
                    test.verify(
                        () -> {
                          assertThat(((ReplyException) e).failureCode())
                              .isEqualTo(ErrorCodes.BAD_REQUEST);
                          test.completeNow();
                        })));
  }
}
