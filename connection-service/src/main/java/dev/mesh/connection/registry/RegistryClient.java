package dev.mesh.connection.registry;

import com.hazelcast.cluster.Member;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import dev.mesh.common.cluster.ClusterFutures;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.registry.NodeConnections;
import dev.mesh.common.registry.PurgeNode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.RegisterConnections;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UnregisterConnection;
import dev.mesh.common.registry.UserConnections;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Registry operations as futures completed on the caller's context; nothing here blocks.
 *
 * <p>Registrations asked for within one window (by default the same turn of the event loop; an edge
 * loop waits a few milliseconds, {@code MESH_ADMISSION_REGISTRY_WINDOW}) go to Hazelcast together:
 * one {@link RegisterConnections} per partition owner over those users' keys, at most {@link
 * #MAX_BATCH} registrations a call, instead of one call each. A call costs the caller's loop and
 * Hazelcast's I/O threads a wake-up, a write and a read whatever it carries, so connections
 * arriving a few milliseconds apart are cheaper together. Each user's registrations are applied in
 * the order asked, atomically on the user's key, by the rule of {@link RegisterConnection}: one
 * registered connection per page holds exactly as before. A registration alone in its window goes
 * as before, one {@code submitToKey}.
 */
public final class RegistryClient {

  /**
   * Most registrations in one call. The batch travels whole with the backup of every partition it
   * touches, so it is kept small: the calls saved are many, the bytes added few.
   */
  static final int MAX_BATCH = 16;

  private record Pending(
      String userId, RegisterConnection registration, Promise<RegisterConnection.Result> result) {}

  private final IMap<String, UserConnections> users;
  private final Context context;
  private final MeshNode node;
  private final IntConsumer batchSizes;
  private long windowMillis;
  private List<Pending> pending = new ArrayList<>();
  private long windowTimer = -1;

  public RegistryClient(MeshNode node, Context context) {
    this(node, context, size -> {});
  }

  /**
   * {@code batchSizes} hears the number of registrations of every Hazelcast call. Registrations
   * leave at the end of the turn they were asked in.
   */
  public RegistryClient(MeshNode node, Context context, IntConsumer batchSizes) {
    this(node, context, batchSizes, Duration.ZERO);
  }

  /**
   * As {@link #RegistryClient(MeshNode, Context, IntConsumer)}, registrations gathered for {@code
   * window} after the first of them (zero: until the end of its turn).
   */
  public RegistryClient(MeshNode node, Context context, IntConsumer batchSizes, Duration window) {
    this.node = node;
    this.users = Registry.users(node.hazelcast());
    this.context = context;
    this.batchSizes = batchSizes;
    this.windowMillis = window.toMillis();
  }

  public Future<RegisterConnection.Result> register(
      RegistryEntry entry, int maxPerUser, boolean evictOldest) {
    Promise<RegisterConnection.Result> promise = Promise.promise();
    Pending registration =
        new Pending(
            entry.identity().userId(),
            new RegisterConnection(entry, maxPerUser, evictOldest),
            promise);
    if (Vertx.currentContext() == context) {
      enqueue(registration);
    } else {
      context.runOnContext(v -> enqueue(registration));
    }
    return promise.future();
  }

  /**
   * Collects the registrations of this window; they leave at its end, or at once when {@link
   * #MAX_BATCH} are waiting.
   */
  private void enqueue(Pending registration) {
    pending.add(registration);
    if (pending.size() >= MAX_BATCH) {
      flush();
    } else if (pending.size() == 1) {
      if (windowMillis > 0) {
        windowTimer = context.owner().setTimer(windowMillis, id -> windowEnded(id));
      } else {
        context.runOnContext(v -> flush());
      }
    }
  }

  /**
   * Sends what is waiting at once and, from now on, each turn's registrations at the end of its
   * turn. Called on this client's context when its loop stops: a timer of a deployment is cancelled
   * when the deployment goes, and the registrations waiting for it would never be sent or answered.
   */
  public void stopGathering() {
    windowMillis = 0;
    flush();
  }

  private void windowEnded(long timer) {
    // A full batch left early and a later registration opened a new window: this timer's batch
    // is gone, and the new window has its own timer.
    if (timer == windowTimer) {
      flush();
    }
  }

  private void flush() {
    if (windowTimer >= 0) {
      context.owner().cancelTimer(windowTimer);
      windowTimer = -1;
    }
    if (pending.isEmpty()) {
      return;
    }
    List<Pending> batch = pending;
    pending = new ArrayList<>();
    // One call per partition owner: a call to several members would carry every member's part to
    // each of them.
    Map<Object, List<Pending>> byOwner = new LinkedHashMap<>();
    for (Pending registration : batch) {
      byOwner
          .computeIfAbsent(owner(registration.userId()), k -> new ArrayList<>())
          .add(registration);
    }
    byOwner.values().forEach(this::send);
  }

  private Object owner(String userId) {
    Member owner = node.hazelcast().getPartitionService().getPartition(userId).getOwner();
    return owner == null ? "unknown" : owner.getUuid();
  }

  private void send(List<Pending> group) {
    batchSizes.accept(group.size());
    if (group.size() == 1) {
      single(group.get(0));
      return;
    }
    RegisterConnections batch =
        new RegisterConnections(group.stream().map(Pending::registration).toList());
    ClusterFutures.on(context, users.submitToKeys(batch.users(), batch))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Throwable cause =
                    ar.cause() instanceof java.util.concurrent.CompletionException wrapped
                            && wrapped.getCause() != null
                        ? wrapped.getCause()
                        : ar.cause();
                if (cause instanceof HazelcastSerializationException) {
                  // A data member that predates batches cannot read one (a rolling upgrade):
                  // nothing was applied.
                  group.forEach(this::single);
                } else {
                  group.forEach(p -> p.result().fail(cause));
                }
                return;
              }
              Map<String, Iterator<RegisterConnection.Result>> byUser = new HashMap<>();
              ar.result()
                  .forEach((user, results) -> byUser.put(user, results.results().iterator()));
              for (Pending registration : group) {
                Iterator<RegisterConnection.Result> results = byUser.get(registration.userId());
                if (results != null && results.hasNext()) {
                  registration.result().complete(results.next());
                } else {
                  registration.result().fail("the registry gave no result for this connection");
                }
              }
            });
  }

  private void single(Pending registration) {
    ClusterFutures.on(
            context, users.submitToKey(registration.userId(), registration.registration()))
        .onComplete(registration.result());
  }

  public Future<Boolean> unregister(String userId, String connectionId) {
    return ClusterFutures.on(
        context, users.submitToKey(userId, new UnregisterConnection(connectionId)));
  }

  public Future<List<RegistryEntry>> connectionsOf(String userId) {
    return ClusterFutures.on(context, users.getAsync(userId))
        .map(value -> value == null ? List.of() : value.connections());
  }

  /**
   * Removes every entry of a node that left. Entry processors are atomic, so when several survivors
   * run this at once each entry is returned to exactly one of them: the one that reports it closed.
   * Only the users the node-id index names are visited.
   */
  public Future<List<RegistryEntry>> purge(String nodeId) {
    // executeOnEntries has no async form: run it on a worker thread, never on the event loop.
    return context
        .owner()
        .executeBlocking(
            () -> {
              Map<String, List<RegistryEntry>> removed =
                  users.executeOnEntries(new PurgeNode(nodeId), Registry.onNode(nodeId));
              return removed.values().stream().flatMap(List::stream).toList();
            },
            false);
  }

  /**
   * Entries naming this node (the registry-vs-sockets consistency gauge), counted over the node-id
   * index.
   */
  public Future<Long> countOwnEntries() {
    String self = node.nodeId();
    return context
        .owner()
        .executeBlocking(
            () -> users.aggregate(NodeConnections.count(self), Registry.onNode(self)), false);
  }

  /** Entries naming this node (the registry repair), read over the node-id index. */
  public Future<List<RegistryEntry>> ownEntries() {
    String self = node.nodeId();
    return context
        .owner()
        .executeBlocking(
            () ->
                users.project(NodeConnections.entries(self), Registry.onNode(self)).stream()
                    .flatMap(List::stream)
                    .toList(),
            false);
  }
}
