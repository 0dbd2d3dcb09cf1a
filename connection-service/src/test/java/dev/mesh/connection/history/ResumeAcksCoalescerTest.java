package dev.mesh.connection.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.replay.ResumeAcks;
import dev.mesh.common.replay.ResumeAcksRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Ack cursors and pending critical events shared among pages subscribing together")
class ResumeAcksCoalescerTest {

  private static final String CHANNEL = "room:storm";
  private static final String EPOCH = "e1";
  private static final int LIMIT = 100;

  /** One request as sent, completed when the test says so. */
  private record Sent(
      String channel, List<ResumeAcksRequest.User> users, boolean open, Promise<ResumeAcks> reply) {

    /** Answers every distinct user asked for, each owed the events after its position. */
    void answer() {
      Map<String, ResumeAcks.User> byUser = new LinkedHashMap<>();
      for (ResumeAcksRequest.User user : users) {
        byUser.putIfAbsent(
            user.userId(),
            new ResumeAcks.User(user.userId(), EPOCH, user.seq(), open, user.seq(), 0));
      }
      reply.complete(
          new ResumeAcks(channel, EPOCH, LIMIT, List.of(), new ArrayList<>(byUser.values())));
    }
  }

  private final List<Sent> sent = new ArrayList<>();

  private final ResumeAcksCoalescer coalescer =
      new ResumeAcksCoalescer(
          (channel, users, open) -> {
            Promise<ResumeAcks> reply = Promise.promise();
            sent.add(new Sent(channel, users, open, reply));
            return reply.future();
          },
          new ResumeAcksCoalescer.Listener() {
            @Override
            public void sent() {}

            @Override
            public void shared() {}
          });

  private static ResumeAcksRequest.User user(int i) {
    return new ResumeAcksRequest.User("u" + i, EPOCH, i);
  }

  @Test
  @DisplayName(
      "1,000 pages subscribing together: one request, then the other 999 in two (at most 500 users each)")
  void manyPagesFewRequests() {
    List<Future<ResumeAcksCoalescer.Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      answers.add(coalescer.pending(CHANNEL, user(i), true));
    }
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).users()).containsExactly(user(0));
    sent.get(0).answer();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(1).users()).hasSize(ResumeAcksRequest.MAX_USERS);
    assertThat(sent.get(2).users()).hasSize(999 - ResumeAcksRequest.MAX_USERS);
    assertThat(sent.get(1).open()).isTrue();
    sent.get(2).answer();
    sent.get(1).answer();
    for (int i = 0; i < answers.size(); i++) {
      assertThat(answers.get(i).result().pending().channel()).isEqualTo(CHANNEL);
      assertThat(answers.get(i).result().pending().acked())
          .as("each page gets its own user's")
          .isEqualTo(i);
    }
    assertThat(sent).hasSize(3);
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  @DisplayName(
      "a page is never answered by a request sent before it asked; two pages of one user share an answer")
  void laterPageWaitsForTheNextRequest() {
    Future<ResumeAcksCoalescer.Answer> first = coalescer.pending(CHANNEL, user(1), true);
    Future<ResumeAcksCoalescer.Answer> second = coalescer.pending(CHANNEL, user(1), true);
    Future<ResumeAcksCoalescer.Answer> third = coalescer.pending(CHANNEL, user(1), true);
    Future<ResumeAcksCoalescer.Answer> ownStream = coalescer.pending("user:u1", user(1), false);
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).open()).as("a user's own stream is a request of its own").isFalse();
    sent.get(0).answer();
    assertThat(first.succeeded()).isTrue();
    assertThat(second.isComplete()).isFalse();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).users()).containsExactly(user(1), user(1));
    sent.get(2).answer();
    assertThat(second.result()).isEqualTo(third.result());
    sent.get(1).answer();
    assertThat(ownStream.result().pending().more()).isFalse();
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  @DisplayName("a failed request fails every page that shared it, and the next one starts afresh")
  void failureReachesEveryWaiter() {
    coalescer.pending(CHANNEL, user(1), true);
    Future<ResumeAcksCoalescer.Answer> a = coalescer.pending(CHANNEL, user(2), true);
    Future<ResumeAcksCoalescer.Answer> b = coalescer.pending(CHANNEL, user(3), true);
    sent.get(0).reply().fail("replay-service unavailable");
    assertThat(sent).hasSize(2);
    sent.get(1).reply().fail("still unavailable");
    assertThat(a.failed()).isTrue();
    assertThat(b.cause()).hasMessage("still unavailable");
    assertThat(coalescer.inFlight()).isZero();
    Future<ResumeAcksCoalescer.Answer> c = coalescer.pending(CHANNEL, user(4), true);
    assertThat(sent).hasSize(3);
    sent.get(2).answer();
    assertThat(c.result().pending().acked()).isEqualTo(4);
  }

  @Test
  @DisplayName("a reply that leaves a user out fails that page only")
  void missingUserFailsItsPage() {
    coalescer.pending(CHANNEL, user(1), true);
    Future<ResumeAcksCoalescer.Answer> a = coalescer.pending(CHANNEL, user(2), true);
    Future<ResumeAcksCoalescer.Answer> b = coalescer.pending(CHANNEL, user(3), true);
    sent.get(0).answer();
    sent.get(1)
        .reply()
        .complete(
            new ResumeAcks(
                CHANNEL,
                EPOCH,
                LIMIT,
                List.of(),
                List.of(new ResumeAcks.User("u3", EPOCH, 3, false, 3L, 0))));
    assertThat(a.failed()).isTrue();
    assertThat(b.result().pending().acked()).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "each page gets its own user's events from the shared list; a page cut short by the byte bound is told so")
  void eachPageGetsItsOwnSlice() {
    Future<ResumeAcksCoalescer.Answer> first = coalescer.pending(CHANNEL, user(9), true);
    Future<ResumeAcksCoalescer.Answer> low = coalescer.pending(CHANNEL, user(1), true);
    Future<ResumeAcksCoalescer.Answer> high = coalescer.pending(CHANNEL, user(3), true);
    sent.get(0).answer();
    sent.get(1)
        .reply()
        .complete(
            new ResumeAcks(
                CHANNEL,
                EPOCH,
                LIMIT,
                List.of(event(2), event(4), event(5)),
                List.of(
                    new ResumeAcks.User("u1", EPOCH, 1, false, 5L, 3),
                    new ResumeAcks.User("u3", EPOCH, 3, true, 5L, 2))));
    assertThat(first.result().pending().events()).isEmpty();
    assertThat(low.result().pending().events())
        .extracting(Envelope::seq)
        .containsExactly(2L, 4L, 5L);
    assertThat(low.result().cutShort()).isFalse();
    assertThat(high.result().pending().events()).extracting(Envelope::seq).containsExactly(4L, 5L);
    assertThat(high.result().cutShort()).as("more, yet fewer than the limit").isTrue();
  }

  private static Envelope event(long seq) {
    return new Envelope(
        CHANNEL,
        EPOCH,
        seq,
        "c" + seq,
        Instant.EPOCH,
        IntNode.valueOf((int) seq),
        true,
        null,
        null);
  }
}
