package dev.mesh.presence.expiry;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.events.ExpiryGate;
import dev.mesh.presence.events.PresenceEffects;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every sweep interval, fires the due deadlines of users and channels (an indexed range query on
 * the deadline). The instance that started a deadline normally fires it first with a local timer;
 * the sweep catches those whose instance died. Every instance sweeps every partition (a partition
 * may be owned by a member that runs no presence-service); that is safe because an expiry removes
 * its deadline in the same atomic update that makes the user offline, so the first to fire it wins
 * and the others find nothing due. Nothing fires while the {@link ExpiryGate} holds: the state may
 * be stale until this instance is quorate and has reconciled.
 */
public final class ExpiryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ExpiryVerticle.class);

  private final MeshNode node;
  private final PresenceOptions options;
  private final PresenceMetrics metrics;
  private final ExpiryGate gate;
  private PresenceStore store;
  private PresenceEffects effects;
  private boolean sweeping;

  public ExpiryVerticle(
      MeshNode node, PresenceOptions options, PresenceMetrics metrics, ExpiryGate gate) {
    this.node = node;
    this.options = options;
    this.metrics = metrics;
    this.gate = gate;
  }

  @Override
  public Future<?> start() {
    store = new PresenceStore(node.hazelcast(), context, options.timing());
    effects = new PresenceEffects(vertx, store, metrics, gate);
    vertx.setPeriodic(options.sweepInterval().toMillis(), id -> sweep());
    return Future.succeededFuture();
  }

  private void sweep() {
    if (sweeping || !gate.open()) {
      return;
    }
    sweeping = true;
    long started = System.nanoTime();
    store
        .sweepUsers()
        .onSuccess(
            fired ->
                LOG.debug(
                    "event=swept users={} millis={}",
                    fired.size(),
                    (System.nanoTime() - started) / 1_000_000))
        .onSuccess(fired -> fired.forEach((userId, outcome) -> effects.user(userId, outcome, null)))
        .compose(v -> store.sweepChannels())
        .onSuccess(fired -> fired.forEach(effects::channel))
        .onFailure(e -> LOG.warn("event=sweep-failed cause=\"{}\"", e.getMessage()))
        .onComplete(done -> sweeping = false);
  }
}
