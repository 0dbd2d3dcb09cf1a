package dev.mesh.common.launch;

import com.hazelcast.core.LifecycleEvent;
import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a node must leave and rejoin the cluster (docs/MEMBERSHIP.md "Rejoining"):
 *
 * <ul>
 *   <li>Hazelcast merged it into another cluster ({@code MERGED}): its data was reset and Vert.x's
 *       event-bus subscriptions and node id are no longer trustworthy;
 *   <li>the process was paused longer than failure detection (a thread that ticks every 200 ms sees
 *       the gap): the others may have removed it. A lite member rejoins at once (it holds nothing);
 *       a data member stops counting as quorate and rejoins if, within a failure timeout, it merges
 *       or loses a member from its view (what a removed member sees when the others answer its
 *       heartbeats with a suspicion), else it carries on;
 *   <li>a lite member whose view shrank to itself: alone it can reach no data.
 * </ul>
 */
final class MembershipGuard {

  private static final Logger LOG = LoggerFactory.getLogger(MembershipGuard.class);
  private static final long TICK_MILLIS = 200;

  private final String service;
  private final MeshNode node;
  private final Consumer<String> rejoin;
  private final long pauseLimitNanos;
  private final Thread ticker;
  private final UUID lifecycleListener;
  private final MeshNode.Registration membership;
  private volatile boolean stopped;

  /**
   * When a data member woke from a pause, until it decides (System.nanoTime); 0 when not in doubt.
   */
  private volatile long doubtUntil;

  MembershipGuard(String service, MeshNode node, Consumer<String> rejoin) {
    this.service = service;
    this.node = node;
    this.rejoin = rejoin;
    Duration failure = node.options().failureDetectionTimeout();
    this.pauseLimitNanos = failure.toNanos();
    this.lifecycleListener =
        node.hazelcast().getLifecycleService().addLifecycleListener(this::onLifecycle);
    this.membership = node.onMembershipChange(this::onMembership);
    node.ticked(System.nanoTime());
    this.ticker = new Thread(this::tick, "mesh-pause-watch-" + service);
    ticker.setDaemon(true);
    ticker.start();
  }

  private void onLifecycle(LifecycleEvent event) {
    if (stopped) {
      return;
    }
    switch (event.getState()) {
      case MERGING -> {
        node.markPaused("merging into another cluster after a split");
        LOG.warn("event=merging service={} node={}", service, node.nodeId());
      }
      case MERGED -> rejoin.accept("merged into another cluster after a split");
      case MERGE_FAILED -> rejoin.accept("merge after a split failed");
      default -> {}
    }
  }

  private void onMembership(MembershipChange change) {
    if (stopped || change.kind() != MembershipChange.Kind.LEFT) {
      return;
    }
    if (node.isLiteMember() && node.memberCount() <= 1) {
      rejoin.accept("alone in its view of the cluster");
    } else if (doubtUntil != 0 && System.nanoTime() < doubtUntil) {
      rejoin.accept(
          "lost member "
              + change.nodeId()
              + " right after a pause: it was removed from the cluster");
    }
  }

  private void tick() {
    long last = System.nanoTime();
    while (!stopped) {
      try {
        Thread.sleep(TICK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      long gap = now - last;
      last = now;
      if (gap - TICK_MILLIS * 1_000_000 > pauseLimitNanos && !stopped) {
        onPause(gap);
      } else if (doubtUntil != 0 && now > doubtUntil) {
        doubtUntil = 0;
        node.clearPaused();
        LOG.info("event=pause-cleared service={} node={}: still a member", service, node.nodeId());
      }
      // After onPause: a reader must never see a fresh tick before the pause is marked.
      node.ticked(now);
    }
  }

  private void onPause(long gapNanos) {
    String why =
        "paused for "
            + gapNanos / 1_000_000
            + " ms, longer than failure detection ("
            + pauseLimitNanos / 1_000_000
            + " ms)";
    node.markPaused(why);
    LOG.warn(
        "event=paused service={} node={} millis={}", service, node.nodeId(), gapNanos / 1_000_000);
    if (node.isLiteMember()) {
      rejoin.accept(why);
    } else {
      doubtUntil = System.nanoTime() + pauseLimitNanos;
    }
  }

  void stop() {
    stopped = true;
    ticker.interrupt();
    membership.remove();
    if (node.hazelcast().getLifecycleService().isRunning()) {
      try {
        node.hazelcast().getLifecycleService().removeLifecycleListener(lifecycleListener);
      } catch (RuntimeException e) {
        // shutting down
      }
    }
  }
}
