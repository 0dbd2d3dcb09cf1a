package dev.mesh.presence.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.registry.PurgeNode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UnregisterConnection;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection node as presence sees one: a real clustered Vert.x + Hazelcast member that registers
 * connections in the registry and publishes the real {@code ConnectionOpened}/{@code
 * ConnectionClosed} events, in the order connection-service does (registry first, then the event),
 * and asks presence over the event bus. No sockets.
 */
public final class SimulatedEdge {

  private static final AtomicInteger PAGES = new AtomicInteger();

  private final MeshNode node;
  private final PresenceLog log;
  private final BusClient bus;
  private final PresenceClient presence;

  private SimulatedEdge(MeshNode node, PresenceLog log) {
    this.node = node;
    this.log = log;
    this.bus = new BusClient(node.vertx());
    this.presence = new PresenceClient(node.vertx());
  }

  public static Future<SimulatedEdge> start(ClusterOptions cluster) {
    // A connection node is a lite member, as connection-service's default: it holds no partition.
    return MeshCluster.start(cluster.withLiteMember(true), null)
        .compose(node -> PresenceLog.attach(node).map(log -> new SimulatedEdge(node, log)));
  }

  public MeshNode node() {
    return node;
  }

  /** The presence events this node received. */
  public PresenceLog log() {
    return log;
  }

  public ConnectionIdentity identity(String userId) {
    int page = PAGES.incrementAndGet();
    return new ConnectionIdentity(
        userId, "s-" + userId, "t" + page, "p" + page, UUID.randomUUID().toString(), node.nodeId());
  }

  /** Opens a new connection of the user on this node. */
  public Future<ConnectionIdentity> open(String userId) {
    return open(identity(userId));
  }

  public Future<ConnectionIdentity> open(ConnectionIdentity identity) {
    Instant now = Instant.now();
    RegistryEntry entry = new RegistryEntry(identity, Transport.WEBSOCKET, now);
    return Future.fromCompletionStage(
            Registry.users(node.hazelcast())
                .submitToKey(identity.userId(), new RegisterConnection(entry, 100, false)),
            node.vertx().getOrCreateContext())
        .map(
            result -> {
              node.vertx()
                  .eventBus()
                  .publish(
                      Addresses.CONNECTION_EVENTS,
                      new ConnectionOpened(identity, Transport.WEBSOCKET, now));
              return identity;
            });
  }

  /**
   * Closes a connection: removed from the registry, then {@code ConnectionClosed} with the reason.
   */
  public Future<Void> close(ConnectionIdentity identity, CloseReason reason) {
    return Future.fromCompletionStage(
            Registry.users(node.hazelcast())
                .submitToKey(identity.userId(), new UnregisterConnection(identity.connectionId())),
            node.vertx().getOrCreateContext())
        .map(
            removed -> {
              publishClosed(identity, reason);
              return null;
            });
  }

  /**
   * Publishes a close without touching the registry (a duplicate report, or a survivor's node-lost
   * report).
   */
  public void publishClosed(ConnectionIdentity identity, CloseReason reason) {
    node.vertx()
        .eventBus()
        .publish(
            Addresses.CONNECTION_EVENTS,
            new ConnectionClosed(
                identity,
                Transport.WEBSOCKET,
                Instant.now().minusSeconds(1),
                Instant.now(),
                reason,
                null));
  }

  /**
   * What a surviving connection node does when another leaves: purge its registry entries, report
   * them node-lost.
   */
  public Future<Integer> purgeNode(String nodeId) {
    return node.vertx()
        .executeBlocking(
            () -> Registry.users(node.hazelcast()).executeOnEntries(new PurgeNode(nodeId)))
        .map(
            purged -> {
              int count = 0;
              for (List<RegistryEntry> entries : purged.values()) {
                for (RegistryEntry entry : entries) {
                  publishClosed(entry.identity(), CloseReason.NODE_LOST);
                  count++;
                }
              }
              return count;
            });
  }

  public Future<ChannelMembers> join(
      ConnectionIdentity identity, String channel, JsonNode info, int limit) {
    return presence.join(identity, channel, info, limit);
  }

  public Future<ChannelMembers> leave(ConnectionIdentity identity, String channel) {
    return presence.leave(identity, channel);
  }

  public Future<UserPresence> status(String userId) {
    return presence.status(userId);
  }

  public BusClient bus() {
    return bus;
  }

  /**
   * Dies like {@code kill -9}: the Hazelcast member vanishes without leaving (its peers see its
   * sockets close).
   */
  public void kill() {
    node.hazelcast().getLifecycleService().terminate();
  }

  public Future<Void> close() {
    return node.close().recover(e -> Future.succeededFuture());
  }
}
