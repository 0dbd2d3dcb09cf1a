package dev.mesh.connection.session;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.protocol.CloseCode;
import io.vertx.core.http.HttpServerResponse;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Server-Sent Events transport (docs/PROTOCOL.md §7.2): each frame is one SSE event named after its
 * {@code type}, with the frame's JSON as data; frames that move positions carry the resume token as
 * {@code id:} so a browser's {@code Last-Event-ID} resumes every channel. Same {@link
 * OutboundQueue} as the WebSocket transport.
 */
public final class SseTransport implements SessionTransport {

  private static final Set<String> POSITIONED =
      Set.of("subscribed", "unsubscribed", "event", "events", "reset");

  private final HttpServerResponse response;
  private final OutboundQueue queue;
  private Supplier<String> resumeToken = () -> "";
  private boolean closed;
  private boolean peerGone;
  private Integer sentCode;
  private long lastWriteNanos = System.nanoTime();

  public SseTransport(HttpServerResponse response, int softBytes, int hardBytes) {
    this.response = response;
    this.queue =
        new OutboundQueue(
            new OutboundQueue.Sink() {
              @Override
              public boolean writeQueueFull() {
                return response.writeQueueFull();
              }

              @Override
              public String encode(String frame) {
                return SseTransport.this.encode(frame);
              }

              @Override
              public void write(String encoded) {
                response.write(encoded);
              }
            },
            hardBytes);
    response.setWriteQueueMaxSize(softBytes);
    response.drainHandler(
        v -> {
          if (!isClosed()) {
            queue.flush();
          }
        });
  }

  /** Where the {@code id:} of positioned frames comes from (the session's subscriptions). */
  public void resumeToken(Supplier<String> supplier) {
    this.resumeToken = supplier;
  }

  /** Writes the stream preamble: the reconnect delay hint. */
  public void start(long retryMillis) {
    response.write("retry: " + retryMillis + "\n\n");
  }

  @Override
  public Transport kind() {
    return Transport.SSE;
  }

  /**
   * Closed by us, or by the peer or the network before the close handler ran (the response then
   * refuses writes).
   */
  @Override
  public boolean isClosed() {
    if (!closed && (response.closed() || response.ended())) {
      closed = true;
    }
    return closed;
  }

  @Override
  public Outcome send(String frame, boolean droppable) {
    if (isClosed()) {
      return Outcome.DROPPED;
    }
    if (!queue.congested()) {
      // Written at once: the keep-alive counts only these, not frames written later by a drain.
      lastWriteNanos = System.nanoTime();
    }
    return queue.offer(frame, droppable);
  }

  private String encode(String frame) {
    String type = typeOf(frame);
    StringBuilder out = new StringBuilder(frame.length() + 64);
    out.append("event: ").append(type).append('\n');
    if (POSITIONED.contains(type) || type.equals("welcome")) {
      out.append("id: ").append(resumeToken.get()).append('\n');
    }
    // Frames are compact JSON from Jackson: no raw newlines, so one data line holds the whole
    // frame.
    out.append("data: ").append(frame).append("\n\n");
    return out.toString();
  }

  /** The frame builders always put {@code type} first: read it without parsing the frame again. */
  static String typeOf(String frame) {
    String prefix = "{\"type\":\"";
    if (frame.startsWith(prefix)) {
      int end = frame.indexOf('"', prefix.length());
      if (end > 0) {
        return frame.substring(prefix.length(), end);
      }
    }
    return "message";
  }

  @Override
  public void ping() {
    if (!closed) {
      response.write(": ping\n\n");
      lastWriteNanos = System.nanoTime();
    }
  }

  @Override
  public void keepAlive(long nowNanos, long intervalNanos) {
    if (nowNanos - lastWriteNanos >= intervalNanos) {
      ping();
    }
  }

  @Override
  public void close(CloseCode code, String reason) {
    if (!closed) {
      closed = true;
      sentCode = code.code();
      queue.discard();
      if (reason != null && reason.startsWith("retry-after=")) {
        response.write("retry: " + reason.substring("retry-after=".length()) + "\n\n");
      }
      response.end();
    }
  }

  @Override
  public CloseReason peerCloseReason() {
    return CloseReason.NETWORK_ERROR;
  }

  @Override
  public Integer peerCloseCode() {
    return sentCode;
  }

  @Override
  public void onClosed(Runnable handler) {
    Runnable once =
        () -> {
          if (!peerGone) {
            peerGone = true;
            closed = true;
            handler.run();
          }
        };
    response.closeHandler(v -> once.run());
    response.exceptionHandler(e -> once.run());
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
