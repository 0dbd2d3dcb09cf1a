package dev.mesh.common.observe;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.slf4j.MDC;

/**
 * Mesh's logging context: the fields a JSON log line carries besides the message ({@code
 * MESH_LOG_FORMAT=json}).
 *
 * <p>{@value #SERVICE} and {@value #NODE} describe where a line was logged. MDC is per thread, and
 * a node's lines come from threads it does not own the start of (Vert.x event loops and workers,
 * Hazelcast's threads), so they are not put in each thread's MDC: a node registers itself when it
 * starts ({@link #nodeStarted}) and the JSON encoder resolves them when it writes a line, from the
 * MDC if a caller set them, else from the Vert.x instance that owns the logging thread, else from
 * the process's one service ({@link #processService}, set by a service's {@code main}).
 *
 * <p>{@value #USER}, {@value #CONNECTION} and {@value #CHANNEL} describe what a line is about.
 * Event loops serve many connections, so they are set in the MDC only around the log call and
 * restored right after ({@link #connection}, {@link #channel}): a stale value would label another
 * connection's lines.
 */
public final class LogContext {

  public static final String SERVICE = "service";
  public static final String NODE = "node";
  public static final String USER = "user";
  public static final String CONNECTION = "connection";
  public static final String CHANNEL = "channel";

  private record NodeContext(String service, String node) {}

  /** Weak keys: a closed node's Vert.x instance leaves with its threads. */
  private static final Map<Vertx, NodeContext> NODES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private static volatile String processService;
  private static volatile NodeContext processNode;

  private LogContext() {}

  /**
   * Marks this process as running one service (a service's {@code main}): lines from threads no
   * node owns (Hazelcast's, the main thread) carry its name and current node. Tests running several
   * nodes in one JVM never set it.
   */
  public static void processService(String service) {
    processService = service;
    processNode = new NodeContext(service, null);
  }

  /**
   * A node of {@code service} started with the Vert.x instance {@code vertx} and the node id {@code
   * nodeId}.
   */
  public static void nodeStarted(Vertx vertx, String service, String nodeId) {
    NodeContext context = new NodeContext(service, nodeId);
    NODES.put(vertx, context);
    if (service.equals(processService)) {
      processNode = context;
    }
  }

  /**
   * The service and node the calling thread logs for ({@code [service, node]}, either may be null).
   */
  static String[] currentNode() {
    Context context = Vertx.currentContext();
    NodeContext node = context == null ? null : NODES.get(context.owner());
    if (node == null) {
      node = processNode;
    }
    return node == null ? new String[2] : new String[] {node.service(), node.node()};
  }

  /**
   * Sets {@value #USER} and {@value #CONNECTION} (null values are left out) until the scope is
   * closed, which restores what was there before. Use with try-with-resources around the log call.
   */
  public static Scope connection(String user, String connection) {
    return new Scope(new String[] {USER, CONNECTION}, new String[] {user, connection});
  }

  /** As {@link #connection(String, String)}, with the {@value #CHANNEL} the line is about. */
  public static Scope connection(String user, String connection, String channel) {
    return new Scope(
        new String[] {USER, CONNECTION, CHANNEL}, new String[] {user, connection, channel});
  }

  /** Sets {@value #CHANNEL} until the scope is closed. */
  public static Scope channel(String channel) {
    return new Scope(new String[] {CHANNEL}, new String[] {channel});
  }

  /** MDC entries set for one log call; {@link #close()} puts back the previous values. */
  public static final class Scope implements AutoCloseable {
    private final String[] keys;
    private final String[] previous;

    private Scope(String[] keys, String[] values) {
      this.keys = keys;
      this.previous = new String[keys.length];
      for (int i = 0; i < keys.length; i++) {
        previous[i] = MDC.get(keys[i]);
        if (values[i] != null) {
          MDC.put(keys[i], values[i]);
        }
      }
    }

    @Override
    public void close() {
      for (int i = 0; i < keys.length; i++) {
        if (previous[i] == null) {
          MDC.remove(keys[i]);
        } else {
          MDC.put(keys[i], previous[i]);
        }
      }
    }
  }
}
