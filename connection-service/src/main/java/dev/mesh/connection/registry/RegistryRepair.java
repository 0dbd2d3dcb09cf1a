package dev.mesh.connection.registry;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.protocol.CloseCodes;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.connection.edge.Edge;
import dev.mesh.connection.session.Session;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's registry entries equal to its sockets (the node owns its entries): every check
 * interval, and soon after a membership change, the entries naming this node (read over the node-id
 * index) are compared with its sessions. A live connection without an entry (lost with a partition,
 * or erased by a mistaken purge) is registered again and announced again to presence; an entry
 * without a socket is removed. The difference found feeds the ghost gauge. Only a quorate node
 * repairs: a cut-off node's view of the registry is not the cluster's.
 */
public final class RegistryRepair {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryRepair.class);

  /** A connection younger than this may still be registering: left alone. */
  public static final Duration SETTLE = Duration.ofSeconds(2);

  private final Edge edge;
  private final long periodMillis;
  private MeshNode.Registration membership;
  private long timer = -1;
  private boolean running;

  public RegistryRepair(Edge edge, Duration period) {
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

  /** One comparison; completes with the number of differences repaired. */
  public Future<Integer> check() {
    if (running || !edge.node().isQuorate() || edge.draining()) {
      return Future.succeededFuture(0);
    }
    running = true;
    long startedNanos = System.nanoTime();
    return edge.registry()
        .ownEntries()
        .map(entries -> repair(entries, startedNanos))
        .onFailure(e -> LOG.debug("event=registry-check-failed cause=\"{}\"", e.getMessage()))
        .onComplete(done -> running = false);
  }

  private int repair(List<RegistryEntry> entries, long startedNanos) {
    Set<String> registered = new HashSet<>();
    int repaired = 0;
    for (RegistryEntry entry : entries) {
      registered.add(entry.connectionId());
      if (edge.sessions().get(entry.connectionId()) == null) {
        repaired++;
        try (var ignored = LogContext.connection(entry.identity().userId(), entry.connectionId())) {
          LOG.warn(
              "event=registry-ghost-removed connection={} user={}",
              entry.connectionId(),
              entry.identity().userId());
        }
        edge.registry().unregister(entry.identity().userId(), entry.connectionId());
      }
    }
    long settled = startedNanos - SETTLE.toNanos();
    int open = 0;
    for (Session session : edge.sessions().all()) {
      if (!session.isOpen()) {
        continue;
      }
      open++;
      if (!registered.contains(session.id()) && session.openedNanos() < settled) {
        repaired++;
        reRegister(session);
      }
    }
    edge.metrics().consistency(entries.size(), open);
    return repaired;
  }

  private void reRegister(Session session) {
    RegistryEntry entry =
        new RegistryEntry(session.identity(), session.transport().kind(), session.openedAt());
    try (var ignored = LogContext.connection(session.userId(), session.id())) {
      LOG.warn(
          "event=registry-entry-restored connection={} user={}", session.id(), session.userId());
    }
    // The limit was checked when the connection opened: a restored entry is never refused for it.
    edge.registry()
        .register(entry, Integer.MAX_VALUE, false)
        .onSuccess(
            result -> {
              if (result.superseded()) {
                // A newer connection of the same page holds it elsewhere: this one is the stale
                // one.
                edge.lifecycle()
                    .close(
                        session,
                        CloseReason.REPLACED,
                        CloseCodes.REPLACED,
                        "a newer connection of this page is open",
                        true);
              } else if (result.accepted() && session.isOpen()) {
                edge.lifecycle().displace(result);
                edge.events()
                    .reannounced(
                        session.identity(), session.transport().kind(), session.openedAt());
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
            });
  }
}
