package dev.mesh.connection.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.ResetCause;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("History reads shared among pages resuming one channel")
class HistoryCoalescerTest {

  private static final String CHANNEL = "room:storm";
  private static final String EPOCH = "e1";

  /**
   * A channel's history as replay-service reads it (ChannelLog.read): events {@code first..head}
   * retained, resets for another epoch, a position ahead of the head or older than the oldest.
   */
  private record History(long first, long head) {
    HistoryPage read(Position after, int limit) {
      if (!EPOCH.equals(after.epoch())) {
        return reset(ResetCause.EPOCH_CHANGED);
      }
      if (after.seq() > head) {
        return reset(ResetCause.AHEAD);
      }
      if (after.seq() < first - 1) {
        return reset(ResetCause.POSITION_TOO_OLD);
      }
      long end = Math.min(head, after.seq() + limit);
      List<Envelope> events = new ArrayList<>();
      for (long seq = after.seq() + 1; seq <= end; seq++) {
        events.add(event(seq));
      }
      return new HistoryPage(
          CHANNEL, EPOCH, head, events, end < head, null, new Position(EPOCH, end));
    }

    private HistoryPage reset(ResetCause cause) {
      return new HistoryPage(
          CHANNEL, EPOCH, head, List.of(), false, cause, new Position(EPOCH, head));
    }
  }

  private static Envelope event(long seq) {
    return new Envelope(
        CHANNEL,
        EPOCH,
        seq,
        "id-" + seq,
        Instant.EPOCH,
        JsonNodeFactory.instance.numberNode(seq),
        false,
        null,
        null);
  }

  /** A reader whose reads complete when the test says so, counting them. */
  private static final class HeldReader implements HistoryCoalescer.Reader {
    final History history;
    final List<Runnable> pending = new ArrayList<>();
    final AtomicInteger reads = new AtomicInteger();

    HeldReader(History history) {
      this.history = history;
    }

    @Override
    public Future<HistoryPage> read(String channel, Position after, int limit) {
      reads.incrementAndGet();
      Promise<HistoryPage> page = Promise.promise();
      pending.add(() -> page.complete(history.read(after, limit)));
      return page.future();
    }

    /** Completes every read issued so far (and those their completion issues), oldest first. */
    void completeAll() {
      while (!pending.isEmpty()) {
        pending.remove(0).run();
      }
    }
  }

  private static final HistoryCoalescer.Listener QUIET =
      new HistoryCoalescer.Listener() {
        @Override
        public void issued() {}

        @Override
        public void shared() {}
      };

  @Test
  @DisplayName("every page gets exactly what its own read would have returned, in few reads")
  void slicesEqualOwnReads() {
    History history = new History(101, 1_000);
    HeldReader reader = new HeldReader(history);
    HistoryCoalescer coalescer = new HistoryCoalescer(reader, QUIET);
    Random random = new Random(7);
    List<Position> positions = new ArrayList<>();
    List<Integer> limits = new ArrayList<>();
    List<Future<HistoryPage>> answers = new ArrayList<>();
    // One page first, alone in its read; then 2,000 pages at positions in and around the history,
    // with limits of 1 to 600, some of another epoch, ahead of the head or too old.
    for (int i = 0; i < 2_001; i++) {
      long seq = i == 0 ? 500 : 50 + random.nextInt(1_000);
      String epoch = i % 97 == 0 ? "e0" : EPOCH;
      int limit = i % 5 == 0 ? 1 + random.nextInt(600) : 500;
      positions.add(new Position(epoch, seq));
      limits.add(limit);
      answers.add(coalescer.read(CHANNEL, positions.get(i), limit));
    }
    int readsBeforeTheFirstAnswer = reader.reads.get();
    reader.completeAll();
    int cutShort = 0;
    for (int i = 0; i < answers.size(); i++) {
      assertThat(answers.get(i).succeeded()).isTrue();
      HistoryPage own = history.read(positions.get(i), limits.get(i));
      HistoryPage shared = answers.get(i).result();
      String page = "page " + i + " after " + positions.get(i) + ", limit " + limits.get(i);
      if (own.mustReset() || shared.events().size() == own.events().size()) {
        assertThat(shared).as(page).isEqualTo(own);
        continue;
      }
      // Cut short by the shared read's end: a contiguous, non-empty start of its own page, and
      // more to read.
      cutShort++;
      assertThat(shared.events()).as(page).isNotEmpty();
      assertThat(own.events()).as(page).startsWith(shared.events().toArray(Envelope[]::new));
      assertThat(shared.more()).as(page).isTrue();
      assertThat(shared.next())
          .as(page)
          .isEqualTo(new Position(EPOCH, shared.events().get(shared.events().size() - 1).seq()));
    }
    assertThat(cutShort).isLessThan(answers.size() / 10);
    // The others waited for the first read of their epoch. Then one read per window of the
    // history, and one per distinct position too old for the history (about 50 here).
    assertThat(readsBeforeTheFirstAnswer).isEqualTo(2);
    assertThat(reader.reads.get()).isBetween(4, 100);
    assertThat(coalescer.inFlight()).isZero();
  }

  @Test
  @DisplayName("5,000 pages resuming within 50 events of each other: two reads")
  void stormShapeTakesTwoReads() {
    History history = new History(1, 2_000);
    HeldReader reader = new HeldReader(history);
    HistoryCoalescer coalescer = new HistoryCoalescer(reader, QUIET);
    List<Future<HistoryPage>> answers = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      answers.add(coalescer.read(CHANNEL, new Position(EPOCH, 1_900 + i % 50), 500));
    }
    reader.completeAll();
    assertThat(reader.reads.get()).isEqualTo(2);
    for (int i = 0; i < answers.size(); i++) {
      assertThat(answers.get(i).result().events())
          .extracting(Envelope::seq)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(1_901 + i % 50, 2_000).boxed().toList());
    }
  }

  @Test
  @DisplayName("a request is never answered by a read issued before it arrived")
  void laterRequestWaitsForTheNextRead() {
    History before = new History(1, 10);
    HeldReader reader = new HeldReader(before);
    HistoryCoalescer coalescer = new HistoryCoalescer(reader, QUIET);
    Future<HistoryPage> first = coalescer.read(CHANNEL, new Position(EPOCH, 5), 500);
    Future<HistoryPage> second = coalescer.read(CHANNEL, new Position(EPOCH, 5), 500);
    assertThat(reader.reads.get()).isEqualTo(1);
    reader.pending.remove(0).run();
    assertThat(first.result().events()).hasSize(5);
    assertThat(second.isComplete()).isFalse();
    assertThat(reader.reads.get()).isEqualTo(2);
    reader.completeAll();
    assertThat(second.result()).isEqualTo(before.read(new Position(EPOCH, 5), 500));
  }

  @Test
  @DisplayName("a failed read fails every page that shared it, and the next read starts afresh")
  void failureReachesEveryWaiter() {
    List<Promise<HistoryPage>> reads = new ArrayList<>();
    HistoryCoalescer coalescer =
        new HistoryCoalescer(
            (channel, after, limit) -> {
              Promise<HistoryPage> read = Promise.promise();
              reads.add(read);
              return read.future();
            },
            QUIET);
    coalescer.read(CHANNEL, new Position(EPOCH, 1), 500);
    Future<HistoryPage> a = coalescer.read(CHANNEL, new Position(EPOCH, 2), 500);
    Future<HistoryPage> b = coalescer.read(CHANNEL, new Position(EPOCH, 3), 500);
    reads.get(0).fail("replay-service unavailable");
    assertThat(reads).hasSize(2);
    reads.get(1).fail("still unavailable");
    assertThat(a.failed()).isTrue();
    assertThat(b.cause()).hasMessage("still unavailable");
    assertThat(coalescer.inFlight()).isZero();
  }
}
