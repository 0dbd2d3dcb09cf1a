package dev.mesh.connection.registry;

import com.hazelcast.cluster.Member;
import com.hazelcast.map.EntryProcessor;
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
import dev.mesh.common.registry.UnregisterConnections;
import dev.mesh.common.registry.UserConnections;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Registry operations as futures completed on the caller's context; nothing here blocks.
 *
 * <p>Registrations and removals asked for within one window (by default the same turn of the event
 * loop; an edge loop waits a few milliseconds, {@code MESH_ADMISSION_REGISTRY_WINDOW}, while
 * connections keep arriving) go to Hazelcast together: per partition owner, one {@link
 * UnregisterConnections} over the closed connections' users' keys, then one {@link
 * RegisterConnections} over the admitted ones', at most {@link #MAX_BATCH} of each a call, instead
 * of one call each. A call costs the caller's loop and Hazelcast's I/O threads a wake-up, a write
 * and a read whatever it carries, so connections arriving (or leaving, as when 10,000 pages close
 * at once) a few milliseconds apart are cheaper together. Each user's changes are applied in the
 * order asked, atomically on the user's key, by the rules of {@link RegisterConnection} and {@link
 * UnregisterConnection}: one registered connection per page holds exactly as before. Removals leave
 * before the registrations of the same window, as they did when each left at once. A change alone
 * in its window goes alone, one {@code submitToKey}.
 */
public final class RegistryClient {

  /**
   * Most registrations in one call. The batch travels whole with the backup of every partition it
   * touches, so it is kept small: the calls saved are many, the bytes added few.
   */
  static final int MAX_BATCH = 16;

  private record Pending(
      String userId, RegisterConnection registration, Promise<RegisterConnection.Result> result) {}

  private record Removal(
      String userId, String connectionId, Promise<Boolean> result, Runnable sent) {}

  private final IMap<String, UserConnections> users;
  private final Context context;
  private final MeshNode node;
  private final IntConsumer batchSizes;
  private final IntConsumer removalBatchSizes;
  private long windowMillis;
  private List<Pending> pending = new ArrayList<>();
  private List<Removal> removals = new ArrayList<>();
  private long windowTimer = -1;

  /**
   * Counts the batches begun: the end of a window or turn sends only the batch it was set for, not
   * a later one that a full batch leaving early let begin.
   */
  private long batch;

  /** When the latest registration was asked; a registration after a quiet window is not held. */
  private long lastRegistrationNanos;

  private boolean registeredBefore;

  /**
   * Per user, the removals handed to Hazelcast and not yet answered: a registration of that user
   * waits for them, whichever turn or batch sent them.
   */
  private final Map<String, List<Future<Boolean>>> removalsInFlight = new HashMap<>();

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
   * window} after the first of them while they keep coming (one less than a window after the one
   * before it); a registration after a quiet window, or with a zero window, leaves at the end of
   * its turn.
   */
  public RegistryClient(MeshNode node, Context context, IntConsumer batchSizes, Duration window) {
    this(node, context, batchSizes, size -> {}, window);
  }

  /**
   * As {@link #RegistryClient(MeshNode, Context, IntConsumer, Duration)}; {@code removalBatchSizes}
   * hears the number of removals of every Hazelcast call.
   */
  public RegistryClient(
      MeshNode node,
      Context context,
      IntConsumer batchSizes,
      IntConsumer removalBatchSizes,
      Duration window) {
    this.node = node;
    this.users = Registry.users(node.hazelcast());
    this.context = context;
    this.batchSizes = batchSizes;
    this.removalBatchSizes = removalBatchSizes;
    this.windowMillis = window.toMillis();
  }

  /**
   * Whether the caller runs on this client's context, or on a duplicate of it (a request's): the
   * same thread, so the call can join the window at once instead of in a task.
   */
  private boolean onOwnContext() {
    Context current = Vertx.currentContext();
    return current == context
        || (current instanceof ContextInternal internal
            && internal.unwrap() == ((ContextInternal) context).unwrap());
  }

  public Future<RegisterConnection.Result> register(
      RegistryEntry entry, int maxPerUser, boolean evictOldest) {
    Promise<RegisterConnection.Result> promise = Promise.promise();
    Pending registration =
        new Pending(
            entry.identity().userId(),
            new RegisterConnection(entry, maxPerUser, evictOldest),
            promise);
    if (onOwnContext()) {
      enqueue(registration);
    } else {
      context.runOnContext(v -> enqueue(registration));
    }
    return promise.future();
  }

  /**
   * Collects the registrations of this window; they leave at its end, or at once when {@link
   * #MAX_BATCH} are waiting. The window is only waited for while connections keep arriving (the
   * previous registration came less than a window ago): that is when calls are worth sharing, and a
   * connection after a quiet spell is not held for company that is not coming.
   */
  private void enqueue(Pending registration) {
    long now = System.nanoTime();
    boolean arriving =
        windowMillis > 0
            && registeredBefore
            && now - lastRegistrationNanos < TimeUnit.MILLISECONDS.toNanos(windowMillis);
    lastRegistrationNanos = now;
    registeredBefore = true;
    pending.add(registration);
    if (pending.size() >= MAX_BATCH) {
      flush();
    } else if (pending.size() == 1) {
      long thisBatch = ++batch;
      if (arriving) {
        windowTimer = context.owner().setTimer(windowMillis, id -> windowEnded(thisBatch));
      } else {
        context.runOnContext(v -> windowEnded(thisBatch));
      }
    }
  }

  /**
   * Collects the removals of this turn; they leave at its end, or at once when {@link #MAX_BATCH}
   * are waiting. A removal never waits for the registration window: a page that closes here and
   * opens again on another loop or node must not find its old entry still counted against its
   * user's limit.
   */
  private void enqueueRemoval(Removal removal) {
    removals.add(removal);
    if (removals.size() >= MAX_BATCH) {
      flushRemovals();
    } else if (removals.size() == 1) {
      context.runOnContext(v -> flushRemovals());
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

  private void windowEnded(long endedBatch) {
    // A full batch left early and a later registration began a new batch: this window's batch is
    // gone, and the new one ends by its own timer or turn.
    if (endedBatch == batch && !pending.isEmpty()) {
      flush();
    }
  }

  /** Sends the waiting removals, one call per partition owner. */
  private void flushRemovals() {
    if (removals.isEmpty()) {
      return;
    }
    List<Removal> leaving = removals;
    removals = new ArrayList<>();
    for (Removal removal : leaving) {
      inFlight(removal);
    }
    Map<Object, List<Removal>> byOwner = new LinkedHashMap<>();
    try {
      for (Removal removal : leaving) {
        byOwner.computeIfAbsent(owner(removal.userId()), k -> new ArrayList<>()).add(removal);
      }
    } catch (RuntimeException e) {
      // The member is stopping: every waiting removal is answered, none left hanging.
      leaving.forEach(r -> r.result().tryFail(e));
      leaving.forEach(r -> r.sent().run());
      return;
    }
    for (List<Removal> group : byOwner.values()) {
      try {
        sendRemovals(group);
      } catch (RuntimeException e) {
        group.forEach(r -> r.result().tryFail(e));
      }
    }
    for (Removal removal : leaving) {
      removal.sent().run();
    }
  }

  /** Counts a removal as in flight for its user until it is answered (on this context). */
  private void inFlight(Removal removal) {
    Future<Boolean> answered = removal.result().future();
    removalsInFlight.computeIfAbsent(removal.userId(), k -> new ArrayList<>()).add(answered);
    answered.onComplete(
        done -> {
          List<Future<Boolean>> left = removalsInFlight.get(removal.userId());
          if (left != null && left.remove(answered) && left.isEmpty()) {
            removalsInFlight.remove(removal.userId());
          }
        });
  }

  private void flush() {
    if (windowTimer >= 0) {
      context.owner().cancelTimer(windowTimer);
      windowTimer = -1;
    }
    // Removals asked before now leave first, as each did when it left at once.
    flushRemovals();
    if (pending.isEmpty()) {
      return;
    }
    List<Pending> batch = pending;
    pending = new ArrayList<>();
    // One call per partition owner: a call to several members would carry every member's part to
    // each of them.
    Map<Object, List<Pending>> byOwner = new LinkedHashMap<>();
    try {
      for (Pending registration : batch) {
        byOwner
            .computeIfAbsent(owner(registration.userId()), k -> new ArrayList<>())
            .add(registration);
      }
    } catch (RuntimeException e) {
      // The member is stopping: every waiting registration is answered, none left hanging.
      batch.forEach(p -> p.result().tryFail(e));
      return;
    }
    for (List<Pending> group : byOwner.values()) {
      // A batch of removals reaches the partitions through one of Hazelcast's generic threads,
      // and a registration sent after it can get there first: a user's registration waits for
      // the removals of the same user still unanswered, sent in this flush or an earlier turn
      // (seldom: a close and an open of one user close together), so one closing page never
      // counts against its user's limit.
      List<Future<Boolean>> before = new ArrayList<>();
      for (Pending registration : group) {
        before.addAll(removalsInFlight.getOrDefault(registration.userId(), List.of()));
      }
      if (before.isEmpty()) {
        sendOrFail(group);
      } else {
        Future.join(before).onComplete(done -> sendOrFail(group));
      }
    }
  }

  private void sendOrFail(List<Pending> group) {
    try {
      send(group);
    } catch (RuntimeException e) {
      group.forEach(p -> p.result().tryFail(e));
    }
  }

  private Object owner(String userId) {
    Member owner = node.hazelcast().getPartitionService().getPartition(userId).getOwner();
    return owner == null ? "unknown" : owner.getUuid();
  }

  private void send(List<Pending> group) {
    batchSizes.accept(group.size());
    sendGroup(
        group,
        Pending::userId,
        Pending::result,
        this::single,
        registrations ->
            new RegisterConnections(registrations.stream().map(Pending::registration).toList()),
        RegisterConnections.Results::results);
  }

  /**
   * One call for one partition owner's share of a window: a change alone goes alone ({@code
   * single}), several go as {@code batchOf} over their users' keys, each answered in order from its
   * user's results. A data member that predates batches cannot read one (a rolling upgrade):
   * nothing was applied, and the changes go again one by one.
   */
  private <P, R, B> void sendGroup(
      List<P> group,
      Function<P, String> userOf,
      Function<P, Promise<R>> resultOf,
      Consumer<P> single,
      Function<List<P>, EntryProcessor<String, UserConnections, B>> batchOf,
      Function<B, List<R>> resultsOf) {
    if (group.size() == 1) {
      single.accept(group.get(0));
      return;
    }
    Set<String> keys = new LinkedHashSet<>();
    group.forEach(change -> keys.add(userOf.apply(change)));
    ClusterFutures.on(context, users.submitToKeys(keys, batchOf.apply(group)))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Throwable cause = unwrapped(ar.cause());
                if (cause instanceof HazelcastSerializationException) {
                  group.forEach(single);
                } else {
                  group.forEach(change -> resultOf.apply(change).fail(cause));
                }
                return;
              }
              Map<String, Iterator<R>> byUser = new HashMap<>();
              ar.result()
                  .forEach(
                      (user, results) -> byUser.put(user, resultsOf.apply(results).iterator()));
              for (P change : group) {
                Iterator<R> results = byUser.get(userOf.apply(change));
                if (results != null && results.hasNext()) {
                  resultOf.apply(change).complete(results.next());
                } else {
                  resultOf.apply(change).fail("the registry gave no result for this change");
                }
              }
            });
  }

  private void single(Pending registration) {
    ClusterFutures.on(
            context, users.submitToKey(registration.userId(), registration.registration()))
        .onComplete(registration.result());
  }

  private static Throwable unwrapped(Throwable failure) {
    return failure instanceof java.util.concurrent.CompletionException wrapped
            && wrapped.getCause() != null
        ? wrapped.getCause()
        : failure;
  }

  /**
   * Removes a connection from its user's entry, with the other removals of its window; true when it
   * was there.
   */
  public Future<Boolean> unregister(String userId, String connectionId) {
    return unregister(userId, connectionId, () -> {});
  }

  /**
   * As {@link #unregister(String, String)}; {@code sent} runs on this client's context once the
   * removal has been handed to Hazelcast (or could not be), before anything asked after it reaches
   * the same partition. What the caller makes visible after a close (the close event, a goodbye)
   * goes there, so whoever sees it and then reads the registry finds the entry gone, as when each
   * removal left at once.
   */
  public Future<Boolean> unregister(String userId, String connectionId, Runnable sent) {
    Promise<Boolean> promise = Promise.promise();
    Removal removal = new Removal(userId, connectionId, promise, sent);
    if (onOwnContext()) {
      enqueueRemoval(removal);
    } else {
      context.runOnContext(v -> enqueueRemoval(removal));
    }
    return promise.future();
  }

  /**
   * As {@link #unregister(String, String)}, sent before this returns (with the removals waiting),
   * for a caller on this client's context whose next step shows the connection gone.
   */
  public Future<Boolean> unregisterNow(String userId, String connectionId) {
    Promise<Boolean> promise = Promise.promise();
    Removal removal = new Removal(userId, connectionId, promise, () -> {});
    if (onOwnContext()) {
      removals.add(removal);
      flushRemovals();
    } else {
      context.runOnContext(
          v -> {
            removals.add(removal);
            flushRemovals();
          });
    }
    return promise.future();
  }

  private void sendRemovals(List<Removal> group) {
    removalBatchSizes.accept(group.size());
    sendGroup(
        group,
        Removal::userId,
        Removal::result,
        this::singleRemoval,
        removals ->
            new UnregisterConnections(
                removals.stream().map(r -> Map.entry(r.userId(), r.connectionId())).toList()),
        UnregisterConnections.Results::removed);
  }

  private void singleRemoval(Removal removal) {
    ClusterFutures.on(
            context,
            users.submitToKey(removal.userId(), new UnregisterConnection(removal.connectionId())))
        .onComplete(removal.result());
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
