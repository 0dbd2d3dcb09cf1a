package dev.mesh.connection.heartbeat;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.protocol.CloseCodes;
import dev.mesh.connection.edge.Edge;
import dev.mesh.connection.session.Session;
import io.vertx.core.Vertx;

import java.time.Duration;

/**
 * Every tick, for each open session: silent for the heartbeat interval → ping it; silent for interval + timeout →
 * terminate it as a zombie (4000, no goodbye: nobody is reading); past its rotation time → close 4001 so it
 * reconnects at once. A zombie is therefore terminated within interval + timeout + one tick of its last frame.
 */
public final class HeartbeatSweeper {

  private final Edge edge;
  private final long intervalNanos;
  private final long deadlineNanos;
  private final long lifetimeNanos;
  private final long tickMillis;
  private long timer = -1;

  public HeartbeatSweeper(Edge edge) {
    this.edge = edge;
    Duration interval = edge.options().heartbeatInterval();
    Duration timeout = edge.options().heartbeatTimeout();
    this.intervalNanos = interval.toNanos();
    this.deadlineNanos = interval.plus(timeout).toNanos();
    this.lifetimeNanos = edge.options().limits().maxLifetime().toNanos();
    this.tickMillis = Math.max(5, Math.min(interval.toMillis(), timeout.toMillis()) / 4);
  }

  public void start(Vertx vertx) {
    timer = vertx.setPeriodic(tickMillis, t -> sweep());
  }

  public void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Session session : edge.sessions().all()) {
      if (!session.isOpen()) {
        continue;
      }
      long silent = now - session.lastSeenNanos();
      if (silent >= deadlineNanos) {
        edge.metrics().zombies.increment();
        edge.lifecycle().close(session, CloseReason.HEARTBEAT_TIMEOUT, CloseCodes.HEARTBEAT_TIMEOUT,
            "no traffic for " + Duration.ofNanos(silent).toMillis() + " ms", false);
      } else if (now - session.openedNanos() >= rotationAge(session)) {
        edge.lifecycle().close(session, CloseReason.ROTATED, CloseCodes.ROTATED, "maximum lifetime reached", true, 0L);
      } else if (silent >= intervalNanos && !session.pinged()) {
        session.markPinged();
        session.transport().ping();
      } else {
        session.transport().keepAlive(now, intervalNanos);
      }
    }
  }

  /** Each connection rotates at a random point in [90 %, 100 %] of the lifetime, so a cohort does not rotate at once. */
  private long rotationAge(Session session) {
    long jitter = (long) (lifetimeNanos * 0.1 * ((session.id().hashCode() & 0x7fffffff) / (double) Integer.MAX_VALUE));
    return lifetimeNanos - jitter;
  }

}
