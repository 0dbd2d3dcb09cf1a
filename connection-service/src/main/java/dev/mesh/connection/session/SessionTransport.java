package dev.mesh.connection.session;

import dev.mesh.common.events.Transport;
import dev.mesh.common.protocol.CloseCode;

/**
 * How frames reach one client; the WebSocket and SSE transports implement it with the same
 * semantics.
 */
public interface SessionTransport {

  /** What happened to a frame handed to {@link #send}. */
  enum Outcome {
    /** Written, or queued within the bounds. */
    SENT,
    /** Dropped because the client reads too slowly and the frame was droppable. */
    DROPPED,
    /** The queue passed its hard bound: the caller closes the connection as a slow consumer. */
    OVERFLOW
  }

  Transport kind();

  /**
   * Sends one JSON frame. Past the soft bound a droppable frame is dropped; a frame that must not
   * be dropped is queued until the hard bound, past which {@link Outcome#OVERFLOW} is returned.
   */
  Outcome send(String frame, boolean droppable);

  /** A liveness probe: a WebSocket ping, or an SSE comment line. */
  void ping();

  /**
   * Keeps an idle stream alive for intermediaries (SSE writes a comment when nothing was written
   * for a while).
   */
  default void keepAlive(long nowNanos, long intervalNanos) {}

  /** Whether the outbound queue is past its soft bound (a droppable frame would be dropped now). */
  boolean congested();

  /** Closes with this code and reason (the reason text is limited to 123 bytes by WebSocket). */
  void close(CloseCode code, String reason);

  /**
   * Why the peer side went, once it has: {@code client-normal} for 1000/1001 from the client, else
   * network-error.
   */
  dev.mesh.common.events.CloseReason peerCloseReason();

  /** The close code the peer sent, or null when the connection ended without one. */
  Integer peerCloseCode();

  /** Called once when the peer side has gone (close frame, reset, write failure). */
  void onClosed(Runnable handler);

  /**
   * Whether the connection is gone (closed by us, the peer or the network). A connection that
   * closed before {@link #onClosed} was set never calls that handler, so admission checks this
   * first.
   */
  boolean isClosed();

  /** Called when the outbound queue drained below the soft bound after having dropped frames. */
  void onDrained(Runnable handler);

  /** Bytes queued and not yet written to the socket. */
  long queuedBytes();
}
