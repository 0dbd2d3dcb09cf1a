package dev.mesh.connection.registry;

import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.registry.NodeConnections;
import dev.mesh.common.registry.PurgeNode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UnregisterConnection;
import dev.mesh.common.registry.UserConnections;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

/** Registry operations as futures completed on the caller's context; nothing here blocks. */
public final class RegistryClient {

  private final IMap<String, UserConnections> users;
  private final Context context;
  private final MeshNode node;

  public RegistryClient(MeshNode node, Context context) {
    this.node = node;
    this.users = Registry.users(node.hazelcast());
    this.context = context;
  }

  public Future<RegisterConnection.Result> register(RegistryEntry entry, int maxPerUser, boolean evictOldest) {
    return Future.fromCompletionStage(
        users.submitToKey(entry.identity().userId(), new RegisterConnection(entry, maxPerUser, evictOldest)), context);
  }

  public Future<Boolean> unregister(String userId, String connectionId) {
    return Future.fromCompletionStage(users.submitToKey(userId, new UnregisterConnection(connectionId)), context);
  }

  public Future<List<RegistryEntry>> connectionsOf(String userId) {
    return Future.fromCompletionStage(users.getAsync(userId), context)
        .map(value -> value == null ? List.of() : value.connections());
  }

  /**
   * Removes every entry of a node that left. Entry processors are atomic, so when several survivors run this at
   * once each entry is returned to exactly one of them: the one that reports it closed. Only the users the node-id
   * index names are visited.
   */
  public Future<List<RegistryEntry>> purge(String nodeId) {
    // executeOnEntries has no async form: run it on a worker thread, never on the event loop.
    return context.owner().executeBlocking(() -> {
      Map<String, List<RegistryEntry>> removed = users.executeOnEntries(new PurgeNode(nodeId), Registry.onNode(nodeId));
      return removed.values().stream().flatMap(List::stream).toList();
    }, false);
  }

  /** Entries naming this node (the registry-vs-sockets consistency gauge), counted over the node-id index. */
  public Future<Long> countOwnEntries() {
    String self = node.nodeId();
    return context.owner().executeBlocking(() -> users.aggregate(NodeConnections.count(self), Registry.onNode(self)),
        false);
  }

  /** Entries naming this node (the registry repair), read over the node-id index. */
  public Future<List<RegistryEntry>> ownEntries() {
    String self = node.nodeId();
    return context.owner().executeBlocking(() -> users.project(NodeConnections.entries(self), Registry.onNode(self))
        .stream().flatMap(List::stream).toList(), false);
  }
}
