package dev.mesh.common.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * Why a connection closed (docs/ARCHITECTURE.md §5.3). Presence decides how long to wait before
 * "offline" from this: an intentional close waits a short debounce, an unintentional one the grace
 * period, a terminal one not at all.
 */
public enum CloseReason {
  /** The client closed on purpose (pagehide, logout, navigation). */
  CLIENT_NORMAL("client-normal", Grace.DEBOUNCE),
  /** Neither traffic nor pong within interval + timeout: a zombie the server terminated. */
  HEARTBEAT_TIMEOUT("heartbeat-timeout", Grace.GRACE),
  /** The socket broke without a close frame (reset, half-open, write failure). */
  NETWORK_ERROR("network-error", Grace.GRACE),
  /** A newer connection of the same page replaced this one. */
  REPLACED("replaced", Grace.NONE_NEEDED),
  /** The connection reached its maximum lifetime; the client reconnects at once. */
  ROTATED("rotated", Grace.GRACE),
  /** The node holding it shut down gracefully. */
  SERVER_SHUTDOWN("server-shutdown", Grace.GRACE),
  /**
   * The node holding it left the cluster without a goodbye (crash, kill -9, hang); reported by a
   * survivor.
   */
  NODE_LOST("node-lost", Grace.GRACE),
  /** The client could not keep up with its outbound queue; it will resume via replay. */
  SLOW_CONSUMER("slow-consumer", Grace.GRACE),
  /**
   * The token expired and no refreshed token arrived in time; the client reconnects with a new one.
   */
  TOKEN_EXPIRED("token-expired", Grace.GRACE),
  /** An operator or application kicked the user, session or connection. */
  KICKED("kicked", Grace.NONE),
  /** A limit or rule was broken (rate, size, too many connections, bad identity, forbidden). */
  POLICY("policy", Grace.NONE);

  /** How presence treats the last close of a user. */
  public enum Grace {
    /** Offline after the short debounce. */
    DEBOUNCE,
    /** "reconnecting", then offline after the grace period. */
    GRACE,
    /** Offline at once. */
    NONE,
    /**
     * The connection was superseded by its successor, which is already open: nothing to wait for.
     */
    NONE_NEEDED
  }

  private final String wireName;
  private final Grace grace;

  CloseReason(String wireName, Grace grace) {
    this.wireName = wireName;
    this.grace = grace;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  public Grace grace() {
    return grace;
  }

  @JsonCreator
  public static CloseReason fromWire(String name) {
    return Arrays.stream(values())
        .filter(reason -> reason.wireName.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown close reason: " + name));
  }
}
