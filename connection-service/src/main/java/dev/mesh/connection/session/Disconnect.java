package dev.mesh.connection.session;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.protocol.CloseCode;
import java.util.Objects;

/**
 * Why and how the server ends a connection (docs/PROTOCOL.md §5): the close code, the reason
 * reported with the {@code ConnectionClosed} event, the message of the {@code goodbye} frame (null:
 * none) and the reconnect hint (null: none).
 */
public record Disconnect(CloseCode code, CloseReason reason, String message, Long retryAfterMs) {

  public Disconnect {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
  }

  public Disconnect(CloseCode code, CloseReason reason, String message) {
    this(code, reason, message, null);
  }

  /** A newer connection of the same page holds its place (4504). */
  public static Disconnect replaced(String message) {
    return new Disconnect(CloseCode.REPLACED, CloseReason.REPLACED, message);
  }

  /** No traffic from the peer within interval + timeout (4000). */
  public static Disconnect heartbeatTimeout(long silentMillis) {
    return new Disconnect(
        CloseCode.HEARTBEAT_TIMEOUT,
        CloseReason.HEARTBEAT_TIMEOUT,
        "no traffic for " + silentMillis + " ms");
  }

  /** The maximum lifetime is reached: reconnect at once (4001). */
  public static Disconnect rotated() {
    return new Disconnect(CloseCode.ROTATED, CloseReason.ROTATED, "maximum lifetime reached", 0L);
  }

  /** The client reads too slowly (4002). */
  public static Disconnect slowConsumer(String message) {
    return new Disconnect(CloseCode.SLOW_CONSUMER, CloseReason.SLOW_CONSUMER, message);
  }

  /** The node is leaving: reconnect elsewhere after the hint (1001). */
  public static Disconnect serverShutdown(long retryAfterMs) {
    return new Disconnect(
        CloseCode.GOING_AWAY, CloseReason.SERVER_SHUTDOWN, "node is shutting down", retryAfterMs);
  }

  /** The client asked to close with a {@code close} frame (1000). */
  public static Disconnect clientClosed() {
    return new Disconnect(CloseCode.NORMAL, CloseReason.CLIENT_NORMAL, null);
  }

  /** A limit or rule of the protocol was broken; terminal or not depends on the code. */
  public static Disconnect policy(CloseCode code, String message) {
    return new Disconnect(code, CloseReason.POLICY, message);
  }

  /**
   * The text of the close frame (or, for SSE, of the final {@code retry:}): the retry hint when
   * there is one, else the reason's wire name. Short enough for WebSocket's 123-byte limit.
   */
  public String closeFrameReason() {
    return retryAfterMs != null ? "retry-after=" + retryAfterMs : reason.wireName();
  }
}
