package dev.mesh.common.protocol;

import java.util.Optional;

/**
 * WebSocket close codes sent by Mesh (docs/protocol/browser.md §5 lists each with the client's
 * reaction). Application codes are split in two ranges so a client needs no table of special cases:
 * 4000-4499 means "reconnect" (after the hinted delay, or at once for {@link #ROTATED}), 4500-4999
 * means "terminal: do not reconnect until something changes". The number goes on the wire only
 * where a close is written or read ({@link #code()}, {@link #of(int)}).
 */
public enum CloseCode {

  /** The client or server closed normally. */
  NORMAL(1000, Kind.RECONNECT),

  /**
   * The server is shutting down ("going away"); the close reason carries a retry-after hint.
   * Reconnect.
   */
  GOING_AWAY(1001, Kind.RECONNECT),

  /**
   * The client broke the WebSocket framing (e.g. a compressed frame when no compression was agreed:
   * a decompression bomb is refused before anything is inflated). Reconnect with backoff.
   */
  PROTOCOL_ERROR(1002, Kind.RECONNECT),

  /** A frame or message was larger than the configured maximum. Reconnect with backoff. */
  MESSAGE_TOO_BIG(1009, Kind.RECONNECT),

  /** Unexpected server failure. Reconnect with backoff. */
  INTERNAL_ERROR(1011, Kind.RECONNECT),

  /** No traffic or pong within interval + timeout. */
  HEARTBEAT_TIMEOUT(4000, Kind.RECONNECT),

  /** Maximum connection lifetime reached: reconnect at once, without backoff. */
  ROTATED(4001, Kind.RECONNECT),

  /** The client read too slowly; its outbound queue passed the hard bound. Resume via replay. */
  SLOW_CONSUMER(4002, Kind.RECONNECT),

  /** The token expired and no refreshed token arrived in time: get a new token, then reconnect. */
  TOKEN_EXPIRED(4003, Kind.RECONNECT),

  /**
   * The node has reached its connection limit; reconnect after the hint (the balancer may pick
   * another node).
   */
  NODE_FULL(4004, Kind.RECONNECT),

  /**
   * Refused at open: the node is cut off from the cluster (fewer data members in its view than
   * {@code MESH_CLUSTER_MIN_MEMBERS}, or it was paused and may have been removed). Reconnect after
   * the hint; the balancer may pick another node.
   */
  NO_QUORUM(4005, Kind.RECONNECT),

  /**
   * Refused at open, before authentication: the node is admitting new connections at its rate and
   * this one came too early or with too many others. Reconnect after the hint, which places the
   * client in the node's queue.
   */
  DEFERRED(4006, Kind.RECONNECT),

  /** Authentication failed after the upgrade (e.g. a refreshed token was invalid). */
  UNAUTHORIZED(4500, Kind.TERMINAL),

  /** The client did something it is not allowed to. */
  FORBIDDEN(4501, Kind.TERMINAL),

  /** Repeated abuse: flooding past the rate limit, repeated malformed frames. */
  POLICY_VIOLATION(4502, Kind.TERMINAL),

  /** The user already has the maximum number of connections. */
  TOO_MANY_CONNECTIONS(4503, Kind.TERMINAL),

  /**
   * A newer connection of the same page replaced this one; the successor holds the page, so do not
   * reconnect.
   */
  REPLACED(4504, Kind.TERMINAL),

  /** An operator or application kicked this connection. */
  KICKED(4505, Kind.TERMINAL),

  /** The client's identity (session, tab or page id) was missing or malformed. */
  BAD_IDENTITY(4506, Kind.TERMINAL),

  /**
   * Refused at open: a newer attempt of the same page is already registered (its client gave this
   * one up and connected again). Nothing was displaced; the newer attempt holds the page, so do not
   * reconnect.
   */
  STALE_ATTEMPT(4507, Kind.TERMINAL);

  /** The application codes a client reconnects after. */
  public static final int RECONNECT_RANGE_START = 4000;

  public static final int RECONNECT_RANGE_END = 4499;

  /** The application codes after which a client stops until something changes. */
  public static final int TERMINAL_RANGE_START = 4500;

  public static final int TERMINAL_RANGE_END = 4999;

  /** What a client does after a close code. */
  public enum Kind {
    /** Reconnect: at once, after the hint, or with backoff. */
    RECONNECT,
    /** Stop until something changes: a new token, a user action, a new page. */
    TERMINAL;

    /** The kind of any number read off the wire, known or not: terminal only in 4500-4999. */
    public static Kind of(int code) {
      return code >= TERMINAL_RANGE_START && code <= TERMINAL_RANGE_END ? TERMINAL : RECONNECT;
    }
  }

  private static final CloseCode[] VALUES = values();

  private final int code;
  private final Kind kind;

  CloseCode(int code, Kind kind) {
    this.code = code;
    this.kind = kind;
  }

  /** The number on the wire (the WebSocket close status, the {@code code} of a goodbye frame). */
  public int code() {
    return code;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether a client should reconnect after this code. */
  public boolean shouldReconnect() {
    return kind == Kind.RECONNECT;
  }

  /** The close code with this number, or empty for a number Mesh never sends. */
  public static Optional<CloseCode> of(int code) {
    for (CloseCode value : VALUES) {
      if (value.code == code) {
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }
}
