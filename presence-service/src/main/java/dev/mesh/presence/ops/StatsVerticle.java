package dev.mesh.presence.ops;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the cluster-wide gauges (users online, reconnecting, connections) with an aggregation
 * every few seconds.
 */
public final class StatsVerticle extends VerticleBase {

  /** How often the gauges are recomputed. */
  public static final Duration INTERVAL = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(StatsVerticle.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private PresenceStore store;

  public StatsVerticle(MeshNode node, PresenceOptions options, PresenceMetrics metrics) {
    this.node = node;
    this.options = options;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    vertx.setPeriodic(
        1,
        INTERVAL.toMillis(),
        id ->
            store
                .tally()
                .onSuccess(metrics::tally)
                .onFailure(e -> LOG.debug("event=tally-failed cause=\"{}\"", e.getMessage())));
    return Future.succeededFuture();
  }
}
