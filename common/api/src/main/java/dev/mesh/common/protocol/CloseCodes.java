package dev.mesh.common.protocol;

/**
 * WebSocket close codes sent by Mesh (docs/PROTOCOL.md lists each with the client's reaction).
 * Application codes are split in two ranges so a client needs no table of special cases: 4000-4499
 * means "reconnect" (after the hinted delay, or at once for {@link #ROTATED}), 4500-4999 means
 * "terminal: do not reconnect until something changes".
 */
public final class CloseCodes {

  private CloseCodes() {}

  /** The client or server closed normally. */
  public static final int NORMAL = 1000;

  /**
   * The server is shutting down ("going away"); the close reason carries a retry-after hint.
   * Reconnect.
   */
  public static final int GOING_AWAY = 1001;

  /**
   * The client broke the WebSocket framing (e.g. a compressed frame when no compression was agreed:
   * a decompression bomb is refused before anything is inflated). Reconnect with backoff.
   */
  public static final int PROTOCOL_ERROR = 1002;

  /** A frame or message was larger than the configured maximum. Reconnect with backoff. */
  public static final int MESSAGE_TOO_BIG = 1009;

  /** Unexpected server failure. Reconnect with backoff. */
  public static final int INTERNAL_ERROR = 1011;

  public static final int RECONNECT_RANGE_START = 4000;

  /** No traffic or pong within interval + timeout. */
  public static final int HEARTBEAT_TIMEOUT = 4000;

  /** Maximum connection lifetime reached: reconnect at once, without backoff. */
  public static final int ROTATED = 4001;

  /** The client read too slowly; its outbound queue passed the hard bound. Resume via replay. */
  public static final int SLOW_CONSUMER = 4002;

  /** The token expired and no refreshed token arrived in time: get a new token, then reconnect. */
  public static final int TOKEN_EXPIRED = 4003;

  /**
   * The node has reached its connection limit; reconnect after the hint (the balancer may pick
   * another node).
   */
  public static final int NODE_FULL = 4004;

  /**
   * Refused at open: the node is cut off from the cluster (fewer data members in its view than
   * {@code MESH_CLUSTER_MIN_MEMBERS}, or it was paused and may have been removed). Reconnect after
   * the hint; the balancer may pick another node.
   */
  public static final int NO_QUORUM = 4005;

  /**
   * Refused at open, before authentication: the node is admitting new connections at its rate and
   * this one came too early or with too many others. Reconnect after the hint, which places the
   * client in the node's queue.
   */
  public static final int DEFERRED = 4006;

  public static final int RECONNECT_RANGE_END = 4499;

  public static final int TERMINAL_RANGE_START = 4500;

  /** Authentication failed after the upgrade (e.g. a refreshed token was invalid). */
  public static final int UNAUTHORIZED = 4500;

  /** The client did something it is not allowed to. */
  public static final int FORBIDDEN = 4501;

  /** Repeated abuse: flooding past the rate limit, repeated malformed frames. */
  public static final int POLICY_VIOLATION = 4502;

  /** The user already has the maximum number of connections. */
  public static final int TOO_MANY_CONNECTIONS = 4503;

  /**
   * A newer connection of the same page replaced this one; the successor holds the page, so do not
   * reconnect.
   */
  public static final int REPLACED = 4504;

  /** An operator or application kicked this connection. */
  public static final int KICKED = 4505;

  /** The client's identity (session, tab or page id) was missing or malformed. */
  public static final int BAD_IDENTITY = 4506;

  /**
   * Refused at open: a newer attempt of the same page is already registered (its client gave this
   * one up and connected again). Nothing was displaced; the newer attempt holds the page, so do not
   * reconnect.
   */
  public static final int STALE_ATTEMPT = 4507;

  public static final int TERMINAL_RANGE_END = 4999;

  /** Whether a client should reconnect after this code. */
  public static boolean shouldReconnect(int code) {
    return code < TERMINAL_RANGE_START || code > TERMINAL_RANGE_END;
  }
}
