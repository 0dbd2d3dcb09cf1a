package dev.mesh.connection.session;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * WebSocket transport with a bounded outbound queue: the socket's own write queue holds up to the
 * soft bound; past it droppable frames are dropped and the others wait in an overflow queue that
 * counts bytes, up to the hard bound. A stalled reader therefore costs at most the hard bound of
 * memory.
 */
public final class WebSocketTransport implements SessionTransport {

  private final ServerWebSocket socket;
  private final int hardBytes;
  private final ArrayDeque<String> overflow = new ArrayDeque<>();
  private long overflowBytes;

  /**
   * Bytes of frames dropped since the queue last drained: a reader that never drains is closed past
   * the hard bound.
   */
  private long droppedBytes;

  private Runnable drained = () -> {};
  private boolean closed;

  public WebSocketTransport(ServerWebSocket socket, int softBytes, int hardBytes) {
    this.socket = socket;
    this.hardBytes = hardBytes;
    socket.setWriteQueueMaxSize(softBytes);
    socket.drainHandler(v -> flush());
  }

  @Override
  public Transport kind() {
    return Transport.WEBSOCKET;
  }

  /**
   * Closed by us, or by the peer or the network before the close handler ran: Vert.x then throws
   * from {@code writeQueueFull()}, so nothing may touch the socket's queue once it is closed.
   */
  @Override
  public boolean isClosed() {
    if (!closed && socket.isClosed()) {
      closed = true;
    }
    return closed;
  }

  @Override
  public Outcome send(String frame, boolean droppable) {
    if (isClosed()) {
      return Outcome.DROPPED;
    }
    if (overflow.isEmpty() && !socket.writeQueueFull()) {
      socket.writeTextMessage(frame);
      return Outcome.SENT;
    }
    if (droppable) {
      droppedBytes += frame.length();
      return droppedBytes + overflowBytes > hardBytes ? Outcome.OVERFLOW : Outcome.DROPPED;
    }
    long size = (long) frame.length() * 3;
    if (overflowBytes + size > hardBytes) {
      return Outcome.OVERFLOW;
    }
    overflow.add(frame);
    overflowBytes += size;
    return Outcome.SENT;
  }

  private void flush() {
    if (isClosed()) {
      return;
    }
    while (!overflow.isEmpty() && !socket.writeQueueFull()) {
      String frame = overflow.poll();
      overflowBytes -= (long) frame.length() * 3;
      socket.writeTextMessage(frame);
    }
    if (overflow.isEmpty() && !socket.writeQueueFull()) {
      droppedBytes = 0;
      drained.run();
    }
  }

  @Override
  public void ping() {
    if (!isClosed()) {
      socket.writePing(Buffer.buffer("p".getBytes(StandardCharsets.US_ASCII)));
    }
  }

  @Override
  public void close(int code, String reason) {
    if (!closed) {
      closed = true;
      overflow.clear();
      overflowBytes = 0;
      socket.close((short) code, reason);
    }
  }

  @Override
  public void onClosed(Runnable handler) {
    socket.closeHandler(
        v -> {
          closed = true;
          handler.run();
        });
  }

  @Override
  public CloseReason peerCloseReason() {
    return Session.reasonForPeerClose(socket.closeStatusCode());
  }

  @Override
  public Integer peerCloseCode() {
    Short code = socket.closeStatusCode();
    return code == null ? null : (int) code;
  }

  @Override
  public void onDrained(Runnable handler) {
    this.drained = handler;
  }

  @Override
  public boolean congested() {
    return !isClosed() && (!overflow.isEmpty() || socket.writeQueueFull());
  }

  @Override
  public long queuedBytes() {
    return overflowBytes;
  }
}
