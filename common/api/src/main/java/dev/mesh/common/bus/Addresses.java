package dev.mesh.common.bus;

/**
 * Every event-bus address Mesh uses. docs/PROTOCOL.md documents each body, reply and failure code;
 * this class is the single place their names are spelled.
 */
public final class Addresses {

  private Addresses() {}

  /** Prefix of every Mesh address, so a bridge or a filter can match them all. */
  public static final String PREFIX = "mesh.";

  // --- status of each service (request/reply: StatusQuery -> ServiceStatus) ---
  public static final String CONNECTION_STATUS = "mesh.connection.status";
  public static final String PRESENCE_STATUS = "mesh.presence.status";
  public static final String REPLAY_STATUS = "mesh.replay.status";

  // --- connection-service ---
  /**
   * Published: {@code ConnectionOpened} and {@code ConnectionClosed} for every connection of every
   * node.
   */
  public static final String CONNECTION_EVENTS = "mesh.connection.events";

  /** Request: send a message to every live connection of a user, wherever it is. */
  public static final String SEND_TO_USER = "mesh.send.user";

  /** Request: close a user's, a session's or one connection's sockets with the "kicked" code. */
  public static final String KICK = "mesh.connection.kick";

  /** Request: list a user's live connections across the cluster. */
  public static final String LIST_CONNECTIONS = "mesh.connection.list";

  /** Request: statistics of one node (sent to {@link #nodeStats(String)}). */
  public static final String NODE_STATS_PREFIX = "mesh.connection.stats.";

  /**
   * Request: end a user's subscription to a channel on every node (each node: {@link
   * #nodeUnsubscribe(String)}).
   */
  public static final String UNSUBSCRIBE = "mesh.connection.unsubscribe";

  /**
   * Request: channels with live subscribers across the cluster (each node: {@link
   * #nodeChannels(String)}).
   */
  public static final String CHANNELS = "mesh.connection.channels";

  /**
   * Request, answered by an application's authoriser if one is deployed: may this user
   * subscribe/publish?
   */
  public static final String AUTHORIZE = "mesh.authorize";

  // --- replay-service ---
  /**
   * Request: append an event to a channel's history and publish it live; replies with its position.
   */
  public static final String PUBLISH = "mesh.publish";

  /** Request: events of a channel after a position, paged, or a reset. */
  public static final String HISTORY = "mesh.replay.history";

  /** Request: cumulative ack of critical events by a user for a channel. */
  public static final String ACK = "mesh.replay.ack";

  /** Request: a user's unacknowledged critical events of a channel, to redeliver on reconnect. */
  public static final String PENDING_CRITICAL = "mesh.replay.pending";

  /**
   * Request: for many users resuming one channel together, open each one's ack cursor and return
   * its unacknowledged critical events (one request instead of {@link #ACK} and {@link
   * #PENDING_CRITICAL} per user).
   */
  public static final String RESUME_ACKS = "mesh.replay.resume-acks";

  // --- presence-service ---
  /** Request: status of one user or a batch of users. */
  public static final String PRESENCE_QUERY = "mesh.presence.query";

  /** Request: members of a channel (snapshot) and counts. */
  public static final String PRESENCE_CHANNEL = "mesh.presence.channel";

  /**
   * Published: presence changes of users ({@code online}, {@code reconnecting}, {@code offline}).
   */
  public static final String PRESENCE_EVENTS = "mesh.presence.events";

  /** Point-to-point inbox of one connection node: deliveries to the sockets it holds. */
  public static String nodeInbox(String nodeId) {
    return "mesh.node." + nodeId + ".deliver";
  }

  /** Statistics request address of one connection node. */
  public static String nodeStats(String nodeId) {
    return NODE_STATS_PREFIX + nodeId;
  }

  /** Unsubscribe request address of one connection node (its own connections only). */
  public static String nodeUnsubscribe(String nodeId) {
    return UNSUBSCRIBE + "." + nodeId;
  }

  /** Channel-list request address of one connection node (its own subscribers only). */
  public static String nodeChannels(String nodeId) {
    return CHANNELS + "." + nodeId;
  }

  /**
   * Live events of a channel, published once per event by replay-service after it has a position.
   */
  public static String channel(String channel) {
    return "mesh.channel." + channel;
  }
}
