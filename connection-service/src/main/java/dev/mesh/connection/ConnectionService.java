package dev.mesh.connection;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.ServiceContext;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.status.StatusVerticle;
import dev.mesh.connection.history.ReplayChannelLog;
import dev.mesh.connection.ops.DependencyCheck;
import dev.mesh.connection.serverapi.ServerApiOptions;
import dev.mesh.connection.serverapi.ServerApiVerticle;
import io.vertx.core.Future;

/**
 * connection-service: deploys its verticles in order; the public HTTP server last, once everything
 * behind it is up.
 */
public final class ConnectionService implements MeshService {

  public static final String NAME = "connection-service";

  private final ConnectionOptions options;
  private final ServerApiOptions serverApiOptions;
  private EdgeVerticle edge;
  private ServerApiVerticle serverApi;

  /** The server API's port bound at launch, kept like {@link #boundPort}. */
  private volatile int boundServerApiPort;

  /**
   * The public port bound at launch, kept when the node rejoins the cluster (0 before the first
   * start).
   */
  private volatile int boundPort;

  /** Without the server API (it opens only when configured). */
  public ConnectionService(ConnectionOptions options) {
    this(options, ServerApiOptions.disabled());
  }

  public ConnectionService(ConnectionOptions options, ServerApiOptions serverApiOptions) {
    this.options = options;
    this.serverApiOptions = serverApiOptions;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ServiceOptions serviceOptions() {
    return options.service();
  }

  @Override
  public Future<Void> deploy(ServiceContext context) {
    DependencyCheck.register(context);
    ConnectionOptions incarnation = boundPort == 0 ? options : options.withHttpPort(boundPort);
    edge =
        new EdgeVerticle(
            incarnation,
            context.node(),
            context.registry(),
            node -> new ReplayChannelLog(node.vertx(), context.registry()),
            context::requestRejoin);
    return context
        .deploy(new StatusVerticle(context.node(), NAME, Addresses.CONNECTION_STATUS))
        .compose(v -> context.deploy(edge))
        .onSuccess(v -> boundPort = edge.actualPort())
        .compose(v -> deployServerApi(context))
        .mapEmpty();
  }

  /**
   * The server API last: it forwards to the bus addresses the edge (and the other services) serve.
   */
  private Future<?> deployServerApi(ServiceContext context) {
    if (!serverApiOptions.enabled()) {
      return Future.succeededFuture();
    }
    ServerApiOptions incarnation =
        boundServerApiPort == 0 ? serverApiOptions : serverApiOptions.withPort(boundServerApiPort);
    serverApi = new ServerApiVerticle(incarnation, context.node(), context.registry());
    return context.deploy(serverApi).onSuccess(v -> boundServerApiPort = serverApi.actualPort());
  }

  /** The server API's actual port; -1 when it is not enabled. */
  public int serverApiPort() {
    return serverApi == null ? -1 : serverApi.actualPort();
  }

  /** The actual public port (useful when configured as 0). */
  public int httpPort() {
    return edge.actualPort();
  }

  /** The edge node's internals, for tests that check sessions against the registry. */
  public EdgeVerticle edge() {
    return edge;
  }
}
