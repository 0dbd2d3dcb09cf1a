package dev.mesh.presence.ingest;

import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a member leaves the cluster, closes every connection it held as {@code node-lost} (the grace path, never
 * straight offline). Surviving connection nodes report the same closes; both are idempotent, so a connection closed
 * twice counts once, and presence does not depend on any connection node surviving.
 */
public final class NodeWatchVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NodeWatchVerticle.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private PresenceStore store;
  private PresenceEffects effects;
  private MeshNode.Registration registration;

  public NodeWatchVerticle(MeshNode node, PresenceOptions options, PresenceMetrics metrics) {
    this.node = node;
    this.options = options;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    effects = new PresenceEffects(vertx, store, metrics);
    registration = node.onMembershipChange(this::onChange);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    registration.remove();
    return Future.succeededFuture();
  }

  private void onChange(MembershipChange change) {
    if (change.kind() != MembershipChange.Kind.LEFT) {
      return;
    }
    String nodeId = change.nodeId();
    long started = System.nanoTime();
    store.nodeLost(nodeId)
        .onSuccess(affected -> {
          affected.forEach((userId, outcome) -> effects.user(userId, outcome, CloseReason.NODE_LOST));
          if (!affected.isEmpty()) {
            LOG.info("event=node-lost node={} users={} millis={}", nodeId, affected.size(),
                (System.nanoTime() - started) / 1_000_000);
          }
        })
        .onFailure(e -> LOG.warn("event=node-lost-failed node={} cause=\"{}\" (reconciliation will repair)", nodeId,
            e.getMessage()));
  }
}
