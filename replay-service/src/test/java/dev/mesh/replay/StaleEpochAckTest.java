package dev.mesh.replay;

import static dev.mesh.replay.ReplayCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.node.TextNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.replay.ResumeAcks;
import dev.mesh.common.replay.ResumeAcksRequest;
import dev.mesh.common.replay.store.AckCursors;
import dev.mesh.common.replay.store.AckMark;
import dev.mesh.common.replay.store.AdvanceAck;
import dev.mesh.common.replay.store.ChannelLog;
import dev.mesh.common.replay.store.ReplayMaps;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The race between an ack's epoch check and its write: replay-service checks that an ack's epoch is
 * the channel's current one, then stores it; should the history be reset in between and another
 * page of the user ack in the new epoch first, the stale ack of the old epoch arrives last. It must
 * not replace the new epoch's cursor (the user would be owed, and sent again, every critical event
 * of the new epoch). The check has already passed for the stale ack, so the test stores it as
 * replay-service would then, with {@link AdvanceAck} on the acks map. Two replay nodes, whose
 * Hazelcast members share the maps; requests go through both nodes' clients.
 */
@DisplayName("A stale ack of an earlier epoch keeps the user's cursor of the current epoch")
class StaleEpochAckTest {

  private static final long TTL_MILLIS = TimeUnit.MINUTES.toMillis(10);

  private static ReplayCluster cluster;

  @BeforeAll
  static void startTwoNodes() throws Exception {
    cluster = ReplayCluster.start(2, options -> options);
  }

  @AfterAll
  static void stopNodes() {
    cluster.close();
  }

  private static ReplayClient client(int node) {
    return cluster.node(node).client();
  }

  private static HazelcastInstance hazelcast(int node) {
    return cluster.node(node).hazelcast();
  }

  private static PublishResult publishCritical(String channel, String... ids) throws Exception {
    PublishResult last = null;
    for (String id : ids) {
      last = await(client(0).publish(channel, id, TextNode.valueOf(id), true), 30);
    }
    return last;
  }

  /**
   * Resume-acks for {@code users} of {@code channel}: opening their cursors through node 0, or only
   * reading them through node 1.
   */
  private static ResumeAcks resumeAcks(
      String channel, boolean open, ResumeAcksRequest.User... users) throws Exception {
    return await(client(open ? 0 : 1).resumeAcks(channel, List.of(users), open, null), 30);
  }

  private static List<String> ids(PendingCritical pending) {
    return pending.events().stream().map(Envelope::id).toList();
  }

  @ParameterizedTest(name = "initial: {0}")
  @ValueSource(booleans = {false, true})
  @DisplayName(
      "a stale ack (plain or initial) stored after the history's reset keeps the new epoch's cursor for every read; the old epoch keeps its own")
  void staleAckKeepsTheCurrentEpochsCursor(boolean initial) throws Exception {
    String channel = "room:stale-ack-" + initial;
    String user = "olga";
    String oldEpoch = publishCritical(channel, "c1", "c2", "c3").epoch();

    // The history is reset (as an idle expiry, a lost partition or a diverged merge would do): the
    // next publish starts a new epoch.
    ChannelLog oldLog = ReplayMaps.channels(hazelcast(1)).get(channel);
    ReplayMaps.channels(hazelcast(1)).delete(channel);
    String newEpoch = publishCritical(channel, "d1", "d2", "d3").epoch();
    assertThat(newEpoch).isNotEqualTo(oldEpoch);

    // Another page of the user acks in the new epoch...
    assertThat(await(client(0).ack(user, channel, new Position(newEpoch, 2)), 30).seq())
        .isEqualTo(2);
    // ...then the stale ack, checked while the old epoch was current, is stored.
    var acks = ReplayMaps.acks(hazelcast(1));
    AckMark stale =
        acks.submitToKey(
                ReplayMaps.ackKey(user, channel),
                new AdvanceAck(new AckMark(oldEpoch, 1), TTL_MILLIS, initial))
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertThat(stale).isEqualTo(new AckMark(oldEpoch, 1));

    PendingCritical pending = await(client(1).pendingCritical(user, channel, null, null), 30);
    assertThat(pending.epoch()).isEqualTo(newEpoch);
    assertThat(pending.acked()).as("the new epoch's cursor is intact").isEqualTo(2);
    assertThat(ids(pending)).as("only what follows the cursor is owed").containsExactly("d3");

    for (boolean open : List.of(true, false)) {
      ResumeAcks resumed =
          resumeAcks(
              channel,
              open,
              new ResumeAcksRequest.User(user, newEpoch, 0),
              new ResumeAcksRequest.User("pavel", newEpoch, 3));
      ResumeAcks.User olga = resumed.users().get(0);
      assertThat(olga.acked()).as("resume-acks, open: %s", open).isEqualTo(2);
      assertThat(ids(resumed.pendingOf(olga)))
          .as("resume-acks, open: %s", open)
          .containsExactly("d3");
    }

    assertThat(await(client(1).ack(user, channel, new Position(newEpoch, 1)), 30).seq())
        .as("within its epoch the cursor still only grows")
        .isEqualTo(2);
    assertThat(await(client(0).openAcks(user, channel, new Position(newEpoch, 0)), 30).seq())
        .as("an initial ack keeps the cursor of its epoch")
        .isEqualTo(2);

    // A split-brain merge keeps the existing log even when its epoch is the older one: the old
    // epoch is current again, and the stale ack is the user's cursor in it.
    ReplayMaps.channels(hazelcast(0)).set(channel, oldLog);
    PendingCritical back = await(client(0).pendingCritical(user, channel, null, null), 30);
    assertThat(back.epoch()).isEqualTo(oldEpoch);
    assertThat(back.acked()).isEqualTo(1);
    assertThat(ids(back)).containsExactly("c2", "c3");
  }

  @Test
  @DisplayName(
      "a cursor stored as a plain AckMark (one epoch, as members before per-epoch cursors wrote it) is read and advanced")
  void anOldAckMarkValueIsReadAndAdvanced() throws Exception {
    String channel = "room:old-ack-mark";
    String oldEpoch = publishCritical(channel, "c1").epoch();
    ChannelLog oldLog = ReplayMaps.channels(hazelcast(1)).get(channel);
    ReplayMaps.channels(hazelcast(1)).delete(channel);
    String epoch = publishCritical(channel, "d1", "d2", "d3", "d4").epoch();
    assertThat(epoch).isNotEqualTo(oldEpoch);
    IMap<String, Object> acks = ReplayMaps.acks(hazelcast(1));
    // Both formats: olga's cursor a plain AckMark, as members before cursors per epoch wrote it;
    // pavel's cursors of two epochs an AckCursors, which only members with the change write.
    acks.set(ReplayMaps.ackKey("olga", channel), new AckMark(epoch, 2));
    acks.set(
        ReplayMaps.ackKey("pavel", channel),
        AckCursors.of(new AckMark(epoch, 3)).with(new AckMark(oldEpoch, 1)));

    long olgasVersion = acks.getEntryView(ReplayMaps.ackKey("olga", channel)).getVersion();
    PendingCritical pending = await(client(1).pendingCritical("olga", channel, null, null), 30);
    assertThat(pending.acked()).isEqualTo(2);
    assertThat(ids(pending)).containsExactly("d3", "d4");
    for (boolean open : List.of(true, false)) {
      ResumeAcks resumed =
          resumeAcks(
              channel,
              open,
              new ResumeAcksRequest.User("olga", epoch, 0),
              new ResumeAcksRequest.User("pavel", epoch, 0));
      assertThat(resumed.users())
          .as("resume-acks, open: %s", open)
          .extracting(ResumeAcks.User::acked)
          .containsExactly(2L, 3L);
      assertThat(ids(resumed.pendingOf(resumed.users().get(0)))).containsExactly("d3", "d4");
    }
    assertThat(acks.get(ReplayMaps.ackKey("olga", channel)))
        .as("an initial ack that keeps the cursor keeps the old format")
        .isEqualTo(new AckMark(epoch, 2));
    assertThat(acks.getEntryView(ReplayMaps.ackKey("olga", channel)).getVersion())
        .as("an initial ack that keeps the cursor writes nothing")
        .isEqualTo(olgasVersion);

    assertThat(await(client(0).ack("olga", channel, new Position(epoch, 1)), 30).seq())
        .isEqualTo(2);
    assertThat(await(client(0).ack("olga", channel, new Position(epoch, 3)), 30).seq())
        .isEqualTo(3);
    assertThat(acks.get(ReplayMaps.ackKey("olga", channel)))
        .as("one epoch's cursor stays in the old format")
        .isEqualTo(new AckMark(epoch, 3));
    assertThat(await(client(1).pendingCritical("olga", channel, null, null), 30).acked())
        .isEqualTo(3);

    // A stale ack of the old epoch makes the entry hold two epochs: AckCursors.
    ReplayMaps.acks(hazelcast(1))
        .submitToKey(
            ReplayMaps.ackKey("olga", channel),
            new AdvanceAck(new AckMark(oldEpoch, 1), TTL_MILLIS, false))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(acks.get(ReplayMaps.ackKey("olga", channel)))
        .isEqualTo(new AckCursors(List.of(new AckMark(oldEpoch, 1), new AckMark(epoch, 3))));
    assertThat(await(client(0).pendingCritical("olga", channel, null, null), 30).acked())
        .isEqualTo(3);
    ReplayMaps.channels(hazelcast(0)).set(channel, oldLog);
    assertThat(await(client(1).pendingCritical("olga", channel, null, null), 30).acked())
        .isEqualTo(1);
  }

  /** Cursors of two epochs for {@code user}: {@code current}, then (written last) {@code old}. */
  private static void twoEpochs(String user, String channel, AckMark current, AckMark old) {
    ReplayMaps.acks(hazelcast(1))
        .set(ReplayMaps.ackKey(user, channel), AckCursors.of(current).with(old));
  }

  @Test
  @DisplayName(
      "resume-acks that opens cursors gives a user whose position it refuses the cursor of the current epoch, however many epochs it has")
  void aRefusedOpeningKeepsTheCurrentEpochsCursor() throws Exception {
    String channel = "room:refused-opening";
    String oldEpoch = publishCritical(channel, "c1", "c2", "c3").epoch();
    ReplayMaps.channels(hazelcast(1)).delete(channel);
    String epoch = publishCritical(channel, "d1", "d2", "d3", "d4").epoch();
    assertThat(epoch).isNotEqualTo(oldEpoch);
    // The old epoch's cursor written last: the most recently written is not the one that counts.
    twoEpochs("rita", channel, new AckMark(epoch, 2), new AckMark(oldEpoch, 1));
    twoEpochs("sam", channel, new AckMark(epoch, 3), new AckMark(oldEpoch, 2));
    Object ritas = ReplayMaps.acks(hazelcast(1)).get(ReplayMaps.ackKey("rita", channel));
    long ritasVersion =
        ReplayMaps.acks(hazelcast(1)).getEntryView(ReplayMaps.ackKey("rita", channel)).getVersion();

    ResumeAcks resumed =
        resumeAcks(
            channel,
            true,
            // an epoch that is not the current one: refused, the cursor kept
            new ResumeAcksRequest.User("rita", oldEpoch, 1),
            // a seq above the head: refused, the cursor kept
            new ResumeAcksRequest.User("sam", epoch, 99),
            // opened as usual
            new ResumeAcksRequest.User("tom", epoch, 4));
    assertThat(resumed.epoch()).isEqualTo(epoch);
    assertThat(resumed.users())
        .extracting(ResumeAcks.User::userId, ResumeAcks.User::epoch, ResumeAcks.User::acked)
        .as("each user's cursor of the current epoch")
        .containsExactly(
            tuple("rita", epoch, 2L), tuple("sam", epoch, 3L), tuple("tom", epoch, 4L));
    assertThat(ids(resumed.pendingOf(resumed.users().get(0)))).containsExactly("d3", "d4");
    assertThat(ids(resumed.pendingOf(resumed.users().get(1)))).containsExactly("d4");
    assertThat(ids(resumed.pendingOf(resumed.users().get(2)))).isEmpty();
    assertThat(ReplayMaps.acks(hazelcast(0)).get(ReplayMaps.ackKey("rita", channel)))
        .as("a refused opening keeps the cursors")
        .isEqualTo(ritas);
    assertThat(
            ReplayMaps.acks(hazelcast(0))
                .getEntryView(ReplayMaps.ackKey("rita", channel))
                .getVersion())
        .as("a refused opening writes nothing")
        .isEqualTo(ritasVersion);
  }

  @Test
  @DisplayName(
      "a user with cursors of several epochs in a channel without history is owed nothing, and nothing fails")
  void cursorsOfSeveralEpochsWithoutHistoryOweNothing() throws Exception {
    String channel = "room:no-history";
    String oldEpoch = publishCritical(channel, "c1", "c2").epoch();
    ReplayMaps.channels(hazelcast(1)).delete(channel);
    String epoch = publishCritical(channel, "d1", "d2").epoch();
    twoEpochs("rita", channel, new AckMark(epoch, 1), new AckMark(oldEpoch, 2));
    ReplayMaps.acks(hazelcast(1)).set(ReplayMaps.ackKey("sam", channel), new AckMark(epoch, 1));
    // The log is gone (expired or deleted): no history, no current epoch.
    ReplayMaps.channels(hazelcast(0)).delete(channel);

    PendingCritical pending = await(client(1).pendingCritical("rita", channel, null, null), 30);
    assertThat(pending.epoch()).isNull();
    assertThat(pending.events()).isEmpty();
    for (boolean open : List.of(true, false)) {
      ResumeAcks resumed =
          resumeAcks(
              channel,
              open,
              new ResumeAcksRequest.User("rita", epoch, 2),
              new ResumeAcksRequest.User("sam", epoch, 0));
      assertThat(resumed.epoch()).as("resume-acks, open: %s", open).isNull();
      assertThat(resumed.events()).as("resume-acks, open: %s", open).isEmpty();
      assertThat(resumed.users())
          .as("resume-acks, open: %s", open)
          .extracting(ResumeAcks.User::userId, ResumeAcks.User::acked, ResumeAcks.User::more)
          .containsExactly(tuple("rita", 0L, false), tuple("sam", 0L, false));
    }
  }
}
