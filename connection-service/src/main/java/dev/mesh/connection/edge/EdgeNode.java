package dev.mesh.connection.edge;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.Transport;
import dev.mesh.connection.admission.Admission;
import dev.mesh.connection.admission.AdmissionOptions;
import dev.mesh.connection.auth.VerifiedTokenCache;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the event loops of one edge node share (docs/ARCHITECTURE.md, "The edge on N event loops"):
 * the loops themselves ({@link Edge}, each owning its sessions), which loop holds which connection,
 * the node's session count (its connection limit), the draining flag, admission control (one rate
 * per node), the tokens verified recently (a reconnect may land on any loop), the metrics, how each
 * loop gets its subscribers per channel (they share the wiring's router: one clustered consumer per
 * channel per node), and the node-level registry client and channel log used by the node's bus
 * consumers. Everything here is safe to use from any thread; a loop's own state is reached only on
 * its context, through {@link #on}.
 */
public final class EdgeNode {

  private final EdgeOptions options;
  private final MeshNode node;
  private final ConnectionMetrics metrics;
  private final Admission admission;
  private final ChannelSubscribers.Factory channelSubscribers;
  private final RegistryClient registry;
  private final Duration registryWindow;
  private final ChannelLog log;
  private final VerifiedTokenCache verifiedTokens;
  private final List<Edge> loops = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Edge> owners = new ConcurrentHashMap<>();

  /** Sessions per user on this node, every loop counted: the node's distinct users are its keys. */
  private final ConcurrentHashMap<String, Integer> users = new ConcurrentHashMap<>();

  private final AtomicInteger sessions = new AtomicInteger();
  private volatile boolean draining;

  /** Created on the node verticle's context, which the node-level registry client completes on. */
  public EdgeNode(
      EdgeOptions options,
      AdmissionOptions admissionOptions,
      MeshNode node,
      Context context,
      ConnectionMetrics metrics,
      ChannelLog log,
      ChannelSubscribers.Factory channelSubscribers) {
    this.options = options;
    this.node = node;
    this.metrics = metrics;
    this.admission = new Admission(admissionOptions);
    this.channelSubscribers = channelSubscribers;
    this.registry = new RegistryClient(node, context, metrics.registerBatch::record);
    this.registryWindow = admissionOptions.registryWindow();
    this.log = log;
    // As many tokens as the node may hold connections: every page of a full node can come back
    // without its token verified again.
    this.verifiedTokens =
        new VerifiedTokenCache(
            options.limits().maxConnectionsPerNode(), options.auth().leeway().toSeconds());
    metrics.verifiedTokens(verifiedTokens, VerifiedTokenCache::hits, VerifiedTokenCache::size);
    metrics.admission(admission::inFlight, admission::queued, admission::pacePerSecond);
  }

  public EdgeOptions options() {
    return options;
  }

  /** The tokens this node verified recently, shared by its loops' authenticators. */
  public VerifiedTokenCache verifiedTokens() {
    return verifiedTokens;
  }

  public MeshNode node() {
    return node;
  }

  public Vertx vertx() {
    return node.vertx();
  }

  public ConnectionMetrics metrics() {
    return metrics;
  }

  public Admission admission() {
    return admission;
  }

  /** How long each loop gathers the registry writes of the connections it admits. */
  public Duration registryWindow() {
    return registryWindow;
  }

  /** Makes each loop's subscribers per channel (one clustered consumer per channel per node). */
  public ChannelSubscribers.Factory channelSubscribers() {
    return channelSubscribers;
  }

  /** The registry client of the node's own context (its bus consumers and timers). */
  public RegistryClient registry() {
    return registry;
  }

  public ChannelLog log() {
    return log;
  }

  /** The loops, in the order they started. */
  public List<Edge> loops() {
    return loops;
  }

  /** The wiring adds a loop once it is created and removes it once it has drained. */
  public void addLoop(Edge loop) {
    loops.add(loop);
  }

  public void removeLoop(Edge loop) {
    loops.remove(loop);
  }

  /** The loop that holds a connection of this node (opening or open), or null. */
  public EdgeLoop owner(String connectionId) {
    return owners.get(connectionId);
  }

  /**
   * Takes a place for a new session unless the node holds {@code MESH_MAX_CONNECTIONS_PER_NODE}
   * already.
   */
  boolean track(Edge loop, String connectionId, String userId) {
    if (sessions.incrementAndGet() > options.limits().maxConnectionsPerNode()) {
      sessions.decrementAndGet();
      return false;
    }
    owners.put(connectionId, loop);
    users.merge(userId, 1, Integer::sum);
    return true;
  }

  void untrack(String connectionId, String userId) {
    if (owners.remove(connectionId) != null) {
      sessions.decrementAndGet();
      users.computeIfPresent(userId, (user, count) -> count <= 1 ? null : count - 1);
    }
  }

  /** Sessions of the node, opening ones included. */
  public int sessionCount() {
    return sessions.get();
  }

  /** Sessions of the node with this transport (every loop's count, read without locks). */
  public int count(Transport transport) {
    int total = 0;
    for (Edge loop : loops) {
      total += loop.sessions().count(transport);
    }
    return total;
  }

  /** Distinct users with a session on this node, whichever loops hold them. */
  public int users() {
    return users.size();
  }

  public boolean draining() {
    return draining;
  }

  /** Set by the wiring when the node stops: every loop refuses new connections from then on. */
  public void draining(boolean value) {
    draining = value;
  }

  /**
   * Runs {@code action} on the loop's context and completes on the caller's context (a loop's
   * sessions are only touched by their own thread; the caller's continuation stays on its own).
   */
  public static <T> Future<T> on(EdgeLoop loop, Supplier<Future<T>> action) {
    Context caller = loop.context().owner().getOrCreateContext();
    if (caller == loop.context()) {
      return call(action);
    }
    Promise<T> done = Promise.promise();
    loop.context()
        .runOnContext(
            v -> call(action).onComplete(ar -> caller.runOnContext(x -> done.handle(ar))));
    return done.future();
  }

  /**
   * {@link #on} for every loop; the results in loop order (a failed loop's result is null). The
   * node's bus consumers pass an action on {@link EdgeLoop}; only the wiring reaches the whole
   * loop.
   */
  public <T> Future<List<T>> onEach(Function<? super Edge, Future<T>> action) {
    List<Future<T>> results = new ArrayList<>();
    for (Edge loop : loops) {
      results.add(on(loop, () -> action.apply(loop)));
    }
    return Future.join(results)
        .transform(
            ar -> {
              List<T> values = new ArrayList<>();
              results.forEach(f -> values.add(f.succeeded() ? f.result() : null));
              return Future.succeededFuture(values);
            });
  }

  private static <T> Future<T> call(Supplier<Future<T>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
