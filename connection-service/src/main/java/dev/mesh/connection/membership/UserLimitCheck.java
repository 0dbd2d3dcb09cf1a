package dev.mesh.connection.membership;

import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.connection.session.LimitOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-user limit is enforced by the node that registers a connection, with its own {@code
 * MESH_MAX_CONNECTIONS_PER_USER} and {@code MESH_USER_LIMIT_POLICY}: nodes configured differently
 * would treat the same user differently depending on the node they reach. Every edge records its
 * values in a cluster-wide entry at start (the first edge's values stay) and warns loudly when they
 * differ from what is recorded.
 */
public final class UserLimitCheck {

  private static final Logger LOG = LoggerFactory.getLogger(UserLimitCheck.class);

  /** {@code IMap<String, String>} of settings every edge must share. */
  public static final String MAP = dev.mesh.common.cluster.MeshStructures.SHARED_SETTINGS_MAP;

  static final String KEY = "user-limit";

  private UserLimitCheck() {}

  /** The recorded setting when it differs from this node's, else null. */
  public static Future<String> run(MeshNode node, Context context, LimitOptions limits) {
    String mine = describe(limits);
    IMap<String, String> settings = node.hazelcast().getMap(MAP);
    // IMap has no asynchronous putIfAbsent: a worker thread, never the event loop.
    return context
        .<String>executeBlocking(() -> settings.putIfAbsent(KEY, mine), false)
        .map(
            recorded -> {
              if (recorded != null && !recorded.equals(mine)) {
                LOG.warn(
                    "event=user-limit-mismatch !!! this node enforces {} but the cluster recorded {}: every connection"
                        + " node must use the same MESH_MAX_CONNECTIONS_PER_USER and MESH_USER_LIMIT_POLICY (the node that"
                        + " registers a connection applies its own)",
                    mine,
                    recorded);
                return recorded;
              }
              return null;
            });
  }

  static String describe(LimitOptions limits) {
    return "MESH_MAX_CONNECTIONS_PER_USER="
        + limits.maxConnectionsPerUser()
        + " MESH_USER_LIMIT_POLICY="
        + (limits.closeOldest() ? "close-oldest" : "refuse-newest");
  }
}
