package dev.mesh.common.ops;

import dev.mesh.common.cluster.MeshNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Samples the cluster as this node sees it: members, data members (those that hold partitions: not
 * lite) and whether the partitions are safe as far as this member can tell ({@link
 * MeshNode#partitionsSafeHere()}: none migrating, the backups of what it owns in sync). Exposed as
 * {@code mesh_cluster_members}, {@code mesh_cluster_data_members} and {@code
 * mesh_cluster_partitions_safe} (1 safe, 0 not); the minimum over the members is the cluster's
 * state, the one in which the loss of one more member loses nothing. With {@link
 * OpsOptions#readyRequiresSafePartitions()} the sample also gates {@code /ready} (check {@code
 * partitions-safe}): a data member then reports ready only once its partitions have settled, which
 * is what a rolling update must wait for before it stops the next member.
 */
public final class ClusterHealthMonitor extends VerticleBase {

  /**
   * How often partition safety is sampled (off the event loop; it may wait on the master and on
   * backups).
   */
  public static final Duration INTERVAL = Duration.ofSeconds(2);

  /** -1 until the first sample, then 1 (safe) or 0. */
  private final AtomicInteger safe = new AtomicInteger(-1);

  private final MeshNode node;
  private final MeterRegistry registry;
  private final Readiness readiness;
  private final boolean gateReadiness;
  private long timerId = -1;
  private boolean sampling;

  public ClusterHealthMonitor(
      MeshNode node, MeterRegistry registry, Readiness readiness, boolean gateReadiness) {
    this.node = node;
    this.registry = registry;
    this.readiness = readiness;
    this.gateReadiness = gateReadiness;
  }

  @Override
  public Future<?> start() {
    Gauge.builder("mesh.cluster.members", node, MeshNode::memberCount)
        .description("Cluster members this node sees, itself included")
        .register(registry);
    Gauge.builder("mesh.cluster.data.members", node, ClusterHealthMonitor::dataMembers)
        .description(
            "Cluster members holding partitions (not lite members), this node included if it is one")
        .register(registry);
    Gauge.builder("mesh.cluster.partitions.safe", safe, s -> Math.max(0, s.get()))
        .description("1 when no partition is migrating and every backup is in sync, else 0")
        .register(registry);
    if (gateReadiness) {
      readiness
          .ready()
          .register(
              "partitions-safe",
              promise ->
                  promise.complete(
                      switch (safe.get()) {
                        case 1 -> Status.OK();
                        case 0 ->
                            Status.KO(
                                new JsonObject()
                                    .put("reason", "partitions migrating or backups not in sync"));
                        default -> Status.KO(new JsonObject().put("reason", "not sampled yet"));
                      }));
    }
    timerId = vertx.setPeriodic(1, INTERVAL.toMillis(), id -> sample());
    return Future.succeededFuture();
  }

  private void sample() {
    if (sampling) {
      return;
    }
    sampling = true;
    vertx
        .executeBlocking(node::partitionsSafeHere, false)
        .onComplete(
            result -> {
              sampling = false;
              safe.set(result.succeeded() && result.result() ? 1 : 0);
            });
  }

  private static double dataMembers(MeshNode node) {
    return node.isClusterJoined()
        ? node.hazelcast().getCluster().getMembers().stream().filter(m -> !m.isLiteMember()).count()
        : 0;
  }

  /** Whether the last sample found the partitions safe (false before the first). */
  public boolean partitionsSafe() {
    return safe.get() == 1;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }
}
