package dev.mesh.connection.heartbeat;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.connection.edge.EdgeOptions;
import dev.mesh.connection.edge.LoopSessions;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Every tick, for each open session: silent for the heartbeat interval → ping it; silent for
 * interval + timeout → terminate it as a zombie (4000, no goodbye: nobody is reading); at its
 * rotation time → close 4001 so it reconnects at once. A zombie is therefore terminated within
 * interval + timeout + one tick of its last frame.
 *
 * <p>Time this node itself did not run (a GC pause, CPU starvation, {@code kill -STOP}) does not
 * count against its clients: after a tick that came late by more than a second, every session
 * counts as just seen. A pause longer than cluster failure detection means the cluster may have
 * removed this node: its sockets are stale, so each is closed with 1001 and a retry hint (never
 * 4000), and the node rejoins the cluster.
 */
public final class HeartbeatSweeper {

  /** A tick this much later than planned is a pause of the node, not silence of its clients. */
  static final long PAUSE_NANOS = Duration.ofSeconds(1).toNanos();

  private final MeshNode node;
  private final ConnectionMetrics metrics;
  private final LoopSessions sessions;
  private final Consumer<String> rejoin;
  private final long intervalNanos;
  private final long deadlineNanos;
  private final long lifetimeNanos;
  private final long tickMillis;
  private final long failureNanos;
  private long timer = -1;
  private long lastTickNanos;

  /**
   * Sweeps one loop's {@code sessions}; {@code rejoin} asks the launcher to leave the cluster and
   * join again as a new node (after a pause past failure detection).
   */
  public HeartbeatSweeper(
      EdgeOptions options,
      MeshNode node,
      ConnectionMetrics metrics,
      LoopSessions sessions,
      Consumer<String> rejoin) {
    this.node = node;
    this.metrics = metrics;
    this.sessions = sessions;
    this.rejoin = rejoin;
    Duration interval = options.heartbeatInterval();
    Duration timeout = options.heartbeatTimeout();
    this.intervalNanos = interval.toNanos();
    this.deadlineNanos = interval.plus(timeout).toNanos();
    this.lifetimeNanos = options.limits().maxLifetime().toNanos();
    this.tickMillis = Math.max(5, Math.min(interval.toMillis(), timeout.toMillis()) / 4);
    this.failureNanos = node.options().failureDetectionTimeout().toNanos();
  }

  public void start(Vertx vertx) {
    lastTickNanos = System.nanoTime();
    timer = vertx.setPeriodic(tickMillis, t -> sweep());
  }

  public void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    long late = now - lastTickNanos - tickMillis * 1_000_000;
    lastTickNanos = now;
    if (late > PAUSE_NANOS) {
      paused(now, late);
      return;
    }
    for (Session session : sessions.allSessions()) {
      if (!session.isOpen()) {
        continue;
      }
      long silent = now - session.lastSeenNanos();
      long rotateAt = session.openedNanos() + rotationAge(session);
      if (silent >= deadlineNanos) {
        metrics.zombies.increment();
        sessions.closeWithoutGoodbye(
            session, Disconnect.heartbeatTimeout(Duration.ofNanos(silent).toMillis()));
      } else if (now >= rotateAt) {
        rotate(session);
      } else if (rotateAt - now < tickMillis * 1_000_000L) {
        // Due before the next sweep: close it on time, not up to a tick late (rotation stays within
        // 90-100 %).
        scheduleRotation(session, rotateAt - now);
      } else if (silent >= intervalNanos && !session.pinged()) {
        session.markPinged();
        session.transport().ping();
      } else {
        session.transport().keepAlive(now, intervalNanos);
      }
    }
  }

  private void paused(long now, long late) {
    if (late > failureNanos) {
      int closed =
          sessions.closeAll(
              CloseReason.NETWORK_ERROR,
              "node was paused for "
                  + late / 1_000_000
                  + " ms and is rejoining the cluster: reconnect");
      rejoin.accept("paused for " + late / 1_000_000 + " ms (closed " + closed + " connections)");
      return;
    }
    for (Session session : sessions.allSessions()) {
      if (session.isOpen()) {
        session.seen(now);
      }
    }
  }

  private void rotate(Session session) {
    sessions.close(session, Disconnect.rotated());
  }

  private void scheduleRotation(Session session, long inNanos) {
    if (session.rotationScheduled()) {
      return;
    }
    session.markRotationScheduled();
    node.vertx()
        .setTimer(
            Math.max(1, inNanos / 1_000_000),
            t -> {
              if (session.isOpen()) {
                rotate(session);
              }
            });
  }

  /**
   * Each connection rotates at a random point in [90 %, 100 %] of the lifetime, so a cohort does
   * not rotate at once.
   */
  private long rotationAge(Session session) {
    long jitter =
        (long)
            (lifetimeNanos
                * 0.1
                * ((session.id().hashCode() & 0x7fffffff) / (double) Integer.MAX_VALUE));
    return lifetimeNanos - jitter;
  }
}
