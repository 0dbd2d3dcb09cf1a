package dev.mesh.connection.session;

import dev.mesh.connection.session.SessionTransport.Outcome;
import java.util.ArrayDeque;

/**
 * The bounded outbound queue of one connection, the same for WebSocket and SSE (docs/PROTOCOL.md
 * §11.2). The stream's own write queue holds up to the soft bound; past it droppable frames are
 * dropped and the others wait here, counted in bytes, up to the hard bound. A reader that never
 * drains is past the hard bound too once what was dropped for it adds up. A stalled reader
 * therefore costs at most the hard bound of memory.
 *
 * <p>Runs on the connection's event loop. The caller checks that the stream is still open before
 * each call: a closed stream may throw from {@link Sink#writeQueueFull()}.
 */
public final class OutboundQueue {

  /** The stream under the queue; its own write queue, sized to the soft bound, fills first. */
  public interface Sink {

    /** Whether the stream's write queue is past the soft bound. */
    boolean writeQueueFull();

    /** The frame as the stream carries it (for SSE, an event); computed once it is kept. */
    default String encode(String frame) {
      return frame;
    }

    /** Writes an encoded frame to the stream. */
    void write(String encoded);
  }

  private final Sink sink;
  private final int hardBytes;

  /** Created on the first frame that must wait: most connections never need one. */
  private ArrayDeque<String> waiting;

  private long waitingBytes;

  /**
   * Chars of frames dropped since the queue last drained: a reader that never drains is closed past
   * the hard bound.
   */
  private long droppedBytes;

  private Runnable drained = () -> {};

  public OutboundQueue(Sink sink, int hardBytes) {
    this.sink = sink;
    this.hardBytes = hardBytes;
  }

  /**
   * Writes the frame, or keeps it until the stream drains, or drops it when it is droppable and the
   * stream is past the soft bound; {@link Outcome#OVERFLOW} once the hard bound is passed.
   */
  public Outcome offer(String frame, boolean droppable) {
    if (!congested()) {
      sink.write(sink.encode(frame));
      return Outcome.SENT;
    }
    if (droppable) {
      droppedBytes += frame.length();
      return droppedBytes + waitingBytes > hardBytes ? Outcome.OVERFLOW : Outcome.DROPPED;
    }
    String encoded = sink.encode(frame);
    long size = sizeOf(encoded);
    if (waitingBytes + size > hardBytes) {
      return Outcome.OVERFLOW;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    waiting.add(encoded);
    waitingBytes += size;
    return Outcome.SENT;
  }

  /**
   * The stream drained: writes what waited while there is room, and reports the drain once nothing
   * waits and the stream is below the soft bound.
   */
  public void flush() {
    while (hasWaiting() && !sink.writeQueueFull()) {
      String encoded = waiting.poll();
      waitingBytes -= sizeOf(encoded);
      sink.write(encoded);
    }
    if (!hasWaiting() && !sink.writeQueueFull()) {
      droppedBytes = 0;
      drained.run();
    }
  }

  /** Whether frames wait or the stream is past the soft bound (a droppable frame would drop). */
  public boolean congested() {
    return hasWaiting() || sink.writeQueueFull();
  }

  /** The connection closed: what waits will never be written. */
  public void discard() {
    waiting = null;
    waitingBytes = 0;
  }

  /** Called when the queue drained below the soft bound. */
  public void onDrained(Runnable handler) {
    this.drained = handler;
  }

  /** Bytes waiting here (not counting the stream's own write queue). */
  public long queuedBytes() {
    return waitingBytes;
  }

  private boolean hasWaiting() {
    return waiting != null && !waiting.isEmpty();
  }

  /** A Java string of n chars may take up to 3n bytes in UTF-8. */
  private static long sizeOf(String encoded) {
    return (long) encoded.length() * 3;
  }
}
