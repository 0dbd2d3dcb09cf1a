package dev.mesh.connection.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.MeshCodec;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.AckResult;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.ResumeAcks;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A subscribing page's redelivery when replay-service answers badly. replay-service itself never
 * fails one request and not the next on cue, so its addresses are served here by consumers that
 * answer as it would, or fail.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Redelivery on subscribe when replay-service's answers fail")
class ReplayChannelLogTest {

  private static final String CHANNEL = "room:redeliver";
  private static final String EPOCH = "e1";

  private ReplayChannelLog log;

  @BeforeEach
  void serveHistory(Vertx vertx) {
    MeshCodec.register(vertx.eventBus());
    vertx
        .eventBus()
        .consumer(
            Addresses.HISTORY,
            message ->
                message.reply(
                    new HistoryPage(
                        CHANNEL, EPOCH, 3, List.of(), false, null, new Position(EPOCH, 3))));
    log = new ReplayChannelLog(vertx);
  }

  private static Envelope critical(long seq) {
    return new Envelope(
        CHANNEL, EPOCH, seq, "c" + seq, Instant.EPOCH, IntNode.valueOf((int) seq), true);
  }

  private static void serveOwnReads(Vertx vertx, boolean pendingFails) {
    vertx
        .eventBus()
        .consumer(Addresses.ACK, message -> message.reply(new AckResult("u1", CHANNEL, EPOCH, 3)));
    vertx
        .eventBus()
        .consumer(
            Addresses.PENDING_CRITICAL,
            message -> {
              if (pendingFails) {
                message.fail(500, "acks unavailable");
              } else {
                message.reply(new PendingCritical(CHANNEL, EPOCH, 0, List.of(critical(2)), false));
              }
            });
  }

  @Test
  @DisplayName(
      "shared request and the page's own read both fail: the subscribe fails (retried), never subscribed without redelivery")
  void bothFailingFailsTheSubscribe(Vertx vertx, VertxTestContext test) {
    vertx.eventBus().consumer(Addresses.RESUME_ACKS, message -> message.fail(500, "timeout"));
    serveOwnReads(vertx, true);
    expectFailureFromOwnRead(test);
  }

  /**
   * The page's subscribe fails with its own pending read's failure: not with another (a history
   * that failed to be read would fail it too, and prove nothing about the redelivery).
   */
  private void expectFailureFromOwnRead(VertxTestContext test) {
    log.history(CHANNEL, null, ChannelLog.PAGE, "u1")
        .onComplete(
            test.failing(
                e ->
                    test.verify(
                        () -> {
                          assertThat(e).hasMessageContaining("acks unavailable");
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("shared request fails, the page's own read answers: the page gets its redelivery")
  void ownReadAfterSharedFailure(Vertx vertx, VertxTestContext test) {
    vertx.eventBus().consumer(Addresses.RESUME_ACKS, message -> message.fail(500, "timeout"));
    serveOwnReads(vertx, false);
    log.history(CHANNEL, null, ChannelLog.PAGE, "u1")
        .onComplete(
            test.succeeding(
                page ->
                    test.verify(
                        () -> {
                          assertThat(page.redeliver())
                              .extracting(Envelope::seq)
                              .containsExactly(2L);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("a page cut short whose read-on fails: the subscribe fails, not half redelivered")
  void failedReadOnFailsTheSubscribe(Vertx vertx, VertxTestContext test) {
    vertx
        .eventBus()
        .consumer(
            Addresses.RESUME_ACKS,
            message ->
                message.reply(
                    new ResumeAcks(
                        CHANNEL,
                        EPOCH,
                        100,
                        List.of(critical(1)),
                        List.of(new ResumeAcks.User("u1", EPOCH, 0, true, 1L, 1)))));
    serveOwnReads(vertx, true);
    expectFailureFromOwnRead(test);
  }

  @Test
  @DisplayName("a replay-service without ack addresses at all: subscribed, nothing to redeliver")
  void noAckServiceMeansNothingToRedeliver(VertxTestContext test) {
    log.history(CHANNEL, null, ChannelLog.PAGE, "u1")
        .onComplete(
            test.succeeding(
                page ->
                    test.verify(
                        () -> {
                          assertThat(page.redeliver()).isEmpty();
                          assertThat(page.head()).isEqualTo(3);
                          test.completeNow();
                        })));
  }
}
