package dev.mesh.connection.session;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.protocol.CloseCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;

/** WebSocket transport: one text message per frame, through the {@link OutboundQueue}. */
public final class WebSocketTransport implements SessionTransport {

  private final ServerWebSocket socket;
  private final OutboundQueue queue;
  private boolean closed;

  public WebSocketTransport(ServerWebSocket socket, int softBytes, int hardBytes) {
    this.socket = socket;
    this.queue =
        new OutboundQueue(
            new OutboundQueue.Sink() {
              @Override
              public boolean writeQueueFull() {
                return socket.writeQueueFull();
              }

              @Override
              public void write(String encoded) {
                socket.writeTextMessage(encoded);
              }
            },
            hardBytes);
    socket.setWriteQueueMaxSize(softBytes);
    socket.drainHandler(
        v -> {
          if (!isClosed()) {
            queue.flush();
          }
        });
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
    return isClosed() ? Outcome.DROPPED : queue.offer(frame, droppable);
  }

  @Override
  public void ping() {
    if (!isClosed()) {
      socket.writePing(Buffer.buffer("p".getBytes(StandardCharsets.US_ASCII)));
    }
  }

  @Override
  public void close(CloseCode code, String reason) {
    if (!closed) {
      closed = true;
      queue.discard();
      socket.close((short) code.code(), reason);
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
    queue.onDrained(handler);
  }

  @Override
  public boolean congested() {
    return !isClosed() && queue.congested();
  }

  @Override
  public long queuedBytes() {
    return queue.queuedBytes();
  }
}
