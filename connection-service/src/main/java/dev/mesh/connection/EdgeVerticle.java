package dev.mesh.connection;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.http.Doors;
import dev.mesh.connection.membership.UserLimitCheck;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryRepair;
import dev.mesh.connection.routing.ChannelAdmin;
import dev.mesh.connection.routing.ChannelHub;
import dev.mesh.connection.routing.ChannelRouter;
import dev.mesh.connection.routing.IntegrationApi;
import dev.mesh.connection.routing.NodeInbox;
import dev.mesh.connection.routing.PresenceRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The edge node: {@code MESH_EVENT_LOOPS} event loops ({@link EdgeLoopVerticle}, one instance each,
 * sharing the public port: Vert.x spreads the accepted connections over them), each owning its
 * sessions; and what there is one of per node, on this verticle's own context: the node inbox, the
 * integration API and the channel admin (bus addresses of the node, answered from every loop), the
 * presence router (presence changes, handed to the loops only for channels the node listens on) and
 * the registry repair. The loops share an {@link EdgeNode}: admission (one rate per node), the
 * session count (one limit per node) and the metrics; and this verticle's channel router (one
 * clustered consumer per channel per node), through the hubs the node makes for each loop. Ready
 * only when every loop listens and every consumer is registered; on stop every loop drains first
 * (goodbye + 1001 to every client, registry entries removed), and only then does the node leave.
 */
public final class EdgeVerticle extends VerticleBase {

  private final ConnectionOptions options;
  private final MeshNode node;
  private final MeterRegistry registry;
  private final Function<MeshNode, ChannelLog> logFactory;
  private final Consumer<String> rejoin;
  private final List<EdgeLoopVerticle> loops = new CopyOnWriteArrayList<>();
  private EdgeNode shared;
  private ChannelRouter router;
  private NodeInbox inbox;
  private IntegrationApi api;
  private ChannelAdmin channelAdmin;
  private PresenceRouter presence;
  private RegistryRepair repair;
  private String loopsDeployment;

  /**
   * {@code rejoin} asks the launcher to leave the cluster and join again as a new node (this node
   * was paused past failure detection, or is alone in its view); the undeploy closes every socket
   * with 1001 and a retry hint.
   */
  public EdgeVerticle(
      ConnectionOptions options,
      MeshNode node,
      MeterRegistry registry,
      Function<MeshNode, ChannelLog> logFactory,
      Consumer<String> rejoin) {
    this.options = options;
    this.node = node;
    this.registry = registry;
    this.logFactory = logFactory;
    this.rejoin = rejoin;
  }

  @Override
  public Future<?> start() {
    SessionCounts counts = new SessionCounts();
    ConnectionMetrics metrics = new ConnectionMetrics(registry, counts::count);
    router = new ChannelRouter(node.vertx());
    ChannelRouter channels = router;
    shared =
        new EdgeNode(
            options.edge(),
            options.admission(),
            node,
            context,
            metrics,
            logFactory.apply(node),
            (loopContext, fanOut) -> new ChannelHub(node.vertx(), loopContext, channels, fanOut));
    counts.node = shared;
    Doors doors = new Doors(vertx, options.doors(), metrics);
    inbox = new NodeInbox(shared);
    api = new IntegrationApi(shared, router);
    channelAdmin = new ChannelAdmin(shared);
    presence = new PresenceRouter(node.vertx(), router);
    PresenceRouter presenceRouter = presence;
    repair = new RegistryRepair(new RepairedEdgeNode(shared), options.registryCheck());
    repair.start();
    // Informative only: a mismatch is logged, and never stops the node.
    UserLimitCheck.run(node, context, options.limits()).onFailure(e -> {});
    // A negative port is Vert.x's shared random port: every loop's server binds the same one (0
    // would give each
    // loop its own port).
    int port = options.httpPort() == 0 ? -1 : options.httpPort();
    return Future.all(inbox.start(), api.start(), channelAdmin.start(), presence.start())
        .compose(
            v ->
                vertx.deployVerticle(
                    () -> {
                      EdgeLoopVerticle loop =
                          new EdgeLoopVerticle(
                              options, shared, doors, presenceRouter, port, logFactory, rejoin);
                      loops.add(loop);
                      return loop;
                    },
                    new DeploymentOptions().setInstances(options.eventLoops())))
        .onSuccess(id -> loopsDeployment = id);
  }

  @Override
  public Future<?> stop() {
    repair.stop();
    shared.draining(true);
    // The loops (children of this deployment) drain and close their servers before the node's
    // consumers go.
    Future<?> loopsStopped =
        loopsDeployment == null
            ? Future.succeededFuture()
            : vertx.undeploy(loopsDeployment).recover(e -> Future.succeededFuture());
    return loopsStopped.eventually(
        () -> Future.join(inbox.stop(), api.stop(), channelAdmin.stop(), presence.stop()));
  }

  /** The public port (every loop's server listens on it). */
  public int actualPort() {
    return loops.get(0).actualPort();
  }

  /** What the loops share, and the loops. */
  public EdgeNode node() {
    return shared;
  }

  /** The node's channel consumers, one per channel whichever loops subscribe (tests count them). */
  public ChannelRouter router() {
    return router;
  }

  /** The node's consumer of presence changes (tests count what it decodes). */
  public PresenceRouter presenceRouter() {
    return presence;
  }

  /** The registry repair of this node (tests run a check on demand). */
  public RegistryRepair registryRepair() {
    return repair;
  }

  /** Lets the metrics gauge read session counts from a scrape thread. */
  private static final class SessionCounts {
    volatile EdgeNode node;

    int count(dev.mesh.common.events.Transport transport) {
      return node == null ? 0 : node.count(transport);
    }
  }
}
