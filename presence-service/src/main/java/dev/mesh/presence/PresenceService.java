package dev.mesh.presence;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.ServiceContext;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.status.StatusVerticle;
import dev.mesh.presence.api.ChannelVerticle;
import dev.mesh.presence.api.PresenceHttpVerticle;
import dev.mesh.presence.api.UserQueryVerticle;
import dev.mesh.presence.events.ExpiryGate;
import dev.mesh.presence.expiry.ExpiryVerticle;
import dev.mesh.presence.ingest.ConnectionEventsVerticle;
import dev.mesh.presence.ingest.NodeWatchVerticle;
import dev.mesh.presence.ops.PartitionSafetyCheck;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.ops.StatsVerticle;
import dev.mesh.presence.reconcile.ReconcileVerticle;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Future;

/**
 * presence-service: configures its Hazelcast maps, then deploys, in order, the status responder,
 * the consumers of connection events and membership changes, the expiry sweep, the query and
 * channel APIs, reconciliation, the gauges and the read-only HTTP API.
 */
public final class PresenceService implements MeshService {

  public static final String NAME = "presence-service";

  private final PresenceOptions options;
  private PresenceHttpVerticle http;

  /**
   * The HTTP API's port bound at launch, kept when the node rejoins the cluster (0 before the first
   * start).
   */
  private volatile int boundHttpPort;

  public PresenceService(PresenceOptions options) {
    this.options = options;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ServiceOptions serviceOptions() {
    return options.service();
  }

  /** The port of the read-only HTTP API, once deployed. */
  public int httpPort() {
    return http.actualPort();
  }

  @Override
  public Future<Void> deploy(ServiceContext context) {
    var node = context.node();
    PresenceMetrics metrics = new PresenceMetrics(context.registry());
    // Per deployment: a node that rejoined the cluster starts held again, until reconciled.
    ExpiryGate gate = new ExpiryGate(node);
    PartitionSafetyCheck.register(context);
    http =
        new PresenceHttpVerticle(
            boundHttpPort == 0 ? options : options.withHttpPort(boundHttpPort));
    return PresenceStore.configure(node.vertx(), node.hazelcast())
        .compose(v -> context.deploy(new StatusVerticle(node, NAME, Addresses.PRESENCE_STATUS)))
        .compose(id -> context.deploy(new ConnectionEventsVerticle(node, options, metrics, gate)))
        .compose(id -> context.deploy(new NodeWatchVerticle(node, options, metrics, gate)))
        .compose(id -> context.deploy(new ExpiryVerticle(node, options, metrics, gate)))
        .compose(id -> context.deploy(new UserQueryVerticle(node, options)))
        .compose(id -> context.deploy(new ChannelVerticle(node, options, metrics, gate)))
        .compose(id -> context.deploy(new ReconcileVerticle(node, options, metrics, gate)))
        .compose(id -> context.deploy(new StatsVerticle(node, options, metrics)))
        .compose(id -> context.deploy(http))
        .onSuccess(id -> boundHttpPort = http.actualPort())
        .mapEmpty();
  }
}
