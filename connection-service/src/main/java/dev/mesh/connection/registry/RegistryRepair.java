package dev.mesh.connection.registry;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.connection.lifecycle.ConnectionEvents;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's registry entries equal to its sockets (the node owns its entries): every check
 * interval, and soon after a membership change, the entries naming this node (read over the node-id
 * index) are compared with its sessions. A live connection without an entry (lost with a partition,
 * or erased by a mistaken purge) is registered again and announced again to presence; an entry
 * without a socket is removed once two consecutive checks find it: during the first, the removal
 * that explains it may still be on its way (when thousands of pages close at once, a check finds
 * thousands of them). The difference found feeds the ghost gauge. Only a quorate node repairs: a
 * cut-off node's view of the registry is not the cluster's.
 */
public final class RegistryRepair {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryRepair.class);

  /**
   * A connection registered less than this before the registry was read may be missing from it:
   * left alone.
   */
  public static final Duration SETTLE = Duration.ofSeconds(2);

  /**
   * The node whose entries are repaired, as the repair sees it: the wiring adapts the edge node, so
   * that the edge and the repair do not know each other.
   */
  public interface Node {
    MeshNode node();

    /** The registry client of the node's own context (where the repair runs). */
    RegistryClient registry();

    ConnectionMetrics metrics();

    boolean draining();

    /** Whether a loop of the node holds the connection (opening or open); safe from any thread. */
    boolean holds(String connectionId);

    /**
     * Runs {@code action} on each loop's own context; the results in loop order (null for a loop
     * where it failed).
     */
    <T> Future<List<T>> onEachLoop(Function<Loop, T> action);
  }

  /** One event loop of the node, used only on its own context. */
  public interface Loop {
    /** Its sessions, opening ones included. */
    Collection<Session> sessions();

    /** The registry client of the loop's context. */
    RegistryClient registry();

    ConnectionEvents events();

    /** A server-initiated close, with a goodbye frame when {@code goodbye}. */
    void close(Session session, Disconnect disconnect);

    /** Closes the older connections of the page a registration displaced. */
    void displace(RegisterConnection.Result result);
  }

  private final Node edge;
  private final long periodMillis;
  private MeshNode.Registration membership;
  private long timer = -1;

  /** Set while a check runs, until its writes land; a check may end on another loop's thread. */
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * Entries the last check found without a socket: removed if this check finds them again. Read and
   * replaced on the node's context only.
   */
  private Set<String> suspects = new HashSet<>();

  public RegistryRepair(Node edge, Duration period) {
    this.edge = edge;
    this.periodMillis = period.toMillis();
  }

  public void start() {
    timer = edge.node().vertx().setPeriodic(periodMillis, t -> check());
    membership =
        edge.node()
            .onMembershipChange(
                change -> edge.node().vertx().setTimer(SETTLE.toMillis(), t -> check()));
  }

  public void stop() {
    if (timer >= 0) {
      edge.node().vertx().cancelTimer(timer);
    }
    if (membership != null) {
      membership.remove();
    }
  }

  /**
   * One comparison; completes with the number of differences repaired once the registry has
   * answered every write it made (or {@link #SETTLE} after the comparison, if some are slower).
   */
  public Future<Integer> check() {
    if (!edge.node().isQuorate() || edge.draining() || !running.compareAndSet(false, true)) {
      return Future.succeededFuture(0);
    }
    long startedNanos = System.nanoTime();
    return edge.registry()
        .ownEntries()
        .compose(entries -> repair(entries, startedNanos))
        .onFailure(e -> LOG.debug("event=registry-check-failed cause=\"{}\"", e.getMessage()))
        .onComplete(done -> running.set(false));
  }

  private Future<Integer> repair(List<RegistryEntry> entries, long startedNanos) {
    Set<String> registered = new HashSet<>();
    Set<String> stillSuspect = new HashSet<>();
    List<Future<Void>> removals = new ArrayList<>();
    int ghosts = 0;
    for (RegistryEntry entry : entries) {
      registered.add(entry.connectionId());
      // Whichever loop holds it: the node's index of its connections is safe to read from here.
      if (!edge.holds(entry.connectionId())) {
        if (!suspects.contains(entry.connectionId())) {
          stillSuspect.add(entry.connectionId());
          continue;
        }
        ghosts++;
        try (var ignored = LogContext.connection(entry.identity().userId(), entry.connectionId())) {
          LOG.warn(
              "event=registry-ghost-removed connection={} user={}",
              entry.connectionId(),
              entry.identity().userId());
        }
        removals.add(
            edge.registry()
                .unregister(entry.identity().userId(), entry.connectionId())
                .<Void>mapEmpty()
                .otherwiseEmpty());
      }
    }
    suspects = stillSuspect;
    long settled = startedNanos - SETTLE.toNanos();
    int removed = ghosts;
    // The check ends when the writes it started have landed, so that the next check (a periodic
    // one right after one that followed a membership change) reads the registry they made and
    // does not restore the same entry twice.
    return edge.onEachLoop(loop -> repairLoop(loop, registered, settled))
        .compose(
            perLoop -> {
              int open = 0;
              int repaired = removed;
              List<Future<Void>> writes = new ArrayList<>(removals);
              for (LoopRepair loop : perLoop) {
                if (loop != null) {
                  open += loop.open();
                  repaired += loop.restored();
                  writes.add(loop.written());
                }
              }
              edge.metrics().consistency(entries.size(), open);
              return landed(writes).map(repaired);
            });
  }

  /**
   * Completes when every write has been answered, or after {@link #SETTLE}: a write held up (a
   * member lost in the middle of the call) must not stop the checks that follow.
   */
  private Future<Void> landed(List<Future<Void>> writes) {
    if (writes.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> landed = Promise.promise();
    Vertx vertx = edge.node().vertx();
    long guard = vertx.setTimer(SETTLE.toMillis(), t -> landed.tryComplete());
    Future.join(writes)
        .onComplete(
            done -> {
              vertx.cancelTimer(guard);
              landed.tryComplete();
            });
    return landed.future();
  }

  /** What one loop found: its open sessions, those it re-registered, and their registrations. */
  private record LoopRepair(int open, int restored, Future<Void> written) {}

  /** On one loop: its open sessions, and those re-registered. */
  private LoopRepair repairLoop(Loop loop, Set<String> registered, long settled) {
    int open = 0;
    int repaired = 0;
    List<Future<Void>> restores = new ArrayList<>();
    for (Session session : loop.sessions()) {
      if (!session.isOpen()) {
        continue;
      }
      open++;
      // Judged only if it was registered well before the registry was read: a session registered
      // after that read
      // is missing from it without being lost (re-registering it would displace itself, a terminal
      // 4504).
      if (!registered.contains(session.id()) && session.registeredNanos() < settled) {
        repaired++;
        restores.add(reRegister(loop, session));
      }
    }
    return new LoopRepair(open, repaired, Future.join(restores).mapEmpty());
  }

  /** Completes (never fails) when the registry has answered. */
  private Future<Void> reRegister(Loop loop, Session session) {
    RegistryEntry entry =
        new RegistryEntry(
            session.identity(), session.transport().kind(), session.openedAt(), session.attempt());
    try (var ignored = LogContext.connection(session.userId(), session.id())) {
      LOG.warn(
          "event=registry-entry-restored connection={} user={}", session.id(), session.userId());
    }
    // The limit was checked when the connection opened: a restored entry is never refused for it.
    return loop.registry()
        .register(entry, Integer.MAX_VALUE, false)
        .onSuccess(
            result -> {
              if (result.superseded()) {
                // A newer connection of the same page holds it elsewhere: this one is the stale
                // one.
                loop.close(session, Disconnect.replaced("a newer connection of this page is open"));
              } else if (result.accepted() && session.isOpen()) {
                loop.displace(result);
                loop.events()
                    .reannounced(
                        session.identity(), session.transport().kind(), session.openedAt());
              } else if (result.accepted()) {
                // Closed while being restored: its own removal may have landed first.
                loop.registry().unregister(session.userId(), session.id());
              }
            })
        .onFailure(
            e -> {
              try (var ignored = LogContext.connection(session.userId(), session.id())) {
                LOG.warn(
                    "event=registry-restore-failed connection={} cause=\"{}\"",
                    session.id(),
                    e.getMessage());
              }
            })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }
}
