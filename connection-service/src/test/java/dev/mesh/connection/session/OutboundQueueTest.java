package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.connection.session.SessionTransport.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The bounded outbound queue shared by both transports")
class OutboundQueueTest {

  /** A stream whose write queue is full while the test says so; frames are encoded in brackets. */
  private static final class FakeSink implements OutboundQueue.Sink {
    final List<String> written = new ArrayList<>();
    boolean full;

    @Override
    public boolean writeQueueFull() {
      return full;
    }

    @Override
    public String encode(String frame) {
      return "[" + frame + "]";
    }

    @Override
    public void write(String encoded) {
      written.add(encoded);
    }
  }

  private final FakeSink sink = new FakeSink();

  @Test
  @DisplayName("writes at once while the stream is below the soft bound")
  void writesAtOnce() {
    OutboundQueue queue = new OutboundQueue(sink, 100);
    assertThat(queue.offer("a", true)).isEqualTo(Outcome.SENT);
    assertThat(queue.offer("b", false)).isEqualTo(Outcome.SENT);
    assertThat(sink.written).containsExactly("[a]", "[b]");
    assertThat(queue.congested()).isFalse();
    assertThat(queue.queuedBytes()).isZero();
  }

  @Test
  @DisplayName("past the soft bound drops droppable frames and keeps the others, in order")
  void dropsOrKeeps() {
    OutboundQueue queue = new OutboundQueue(sink, 1000);
    sink.full = true;
    assertThat(queue.offer("e1", true)).isEqualTo(Outcome.DROPPED);
    assertThat(queue.offer("c1", false)).isEqualTo(Outcome.SENT);
    assertThat(queue.offer("c2", false)).isEqualTo(Outcome.SENT);
    assertThat(sink.written).isEmpty();
    assertThat(queue.queuedBytes()).isEqualTo(2 * 4 * 3);

    sink.full = false;
    // Still congested while frames wait, even though the stream has room: order is kept.
    assertThat(queue.congested()).isTrue();
    assertThat(queue.offer("e2", true)).isEqualTo(Outcome.DROPPED);
    queue.flush();
    assertThat(sink.written).containsExactly("[c1]", "[c2]");
    assertThat(queue.queuedBytes()).isZero();
    assertThat(queue.offer("c3", false)).isEqualTo(Outcome.SENT);
    assertThat(sink.written).containsExactly("[c1]", "[c2]", "[c3]");
  }

  @Test
  @DisplayName("a kept frame that would pass the hard bound overflows (counting 3 bytes a char)")
  void hardBoundForKeptFrames() {
    OutboundQueue queue = new OutboundQueue(sink, 30);
    sink.full = true;
    assertThat(queue.offer("12345678", false)).isEqualTo(Outcome.SENT); // [..] = 10 chars, 30 B
    assertThat(queue.offer("x", false)).isEqualTo(Outcome.OVERFLOW);
    assertThat(queue.queuedBytes()).isEqualTo(30);
  }

  @Test
  @DisplayName("a reader that never drains overflows once what was dropped passes the hard bound")
  void hardBoundForDroppedFrames() {
    OutboundQueue queue = new OutboundQueue(sink, 10);
    sink.full = true;
    assertThat(queue.offer("12345", true)).isEqualTo(Outcome.DROPPED);
    assertThat(queue.offer("12345", true)).isEqualTo(Outcome.DROPPED);
    assertThat(queue.offer("1", true)).isEqualTo(Outcome.OVERFLOW);
  }

  @Test
  @DisplayName("a drain forgets what was dropped and reports itself only once nothing waits")
  void drainResetsDropped() {
    OutboundQueue queue = new OutboundQueue(sink, 10);
    int[] drains = {0};
    queue.onDrained(() -> drains[0]++);
    sink.full = true;
    assertThat(queue.offer("12345", true)).isEqualTo(Outcome.DROPPED);
    assertThat(queue.offer("a", false)).isEqualTo(Outcome.SENT);
    queue.flush();
    assertThat(drains[0]).isZero();
    sink.full = false;
    queue.flush();
    assertThat(drains[0]).isEqualTo(1);
    sink.full = true;
    assertThat(queue.offer("12345", true)).isEqualTo(Outcome.DROPPED);
    assertThat(queue.offer("12345", true)).isEqualTo(Outcome.DROPPED);
  }

  @Test
  @DisplayName("discarding on close forgets what waits")
  void discard() {
    OutboundQueue queue = new OutboundQueue(sink, 100);
    sink.full = true;
    queue.offer("a", false);
    queue.discard();
    sink.full = false;
    assertThat(queue.queuedBytes()).isZero();
    assertThat(queue.congested()).isFalse();
    queue.flush();
    assertThat(sink.written).isEmpty();
  }
}
