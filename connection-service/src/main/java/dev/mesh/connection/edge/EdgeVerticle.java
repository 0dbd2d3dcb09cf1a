package dev.mesh.connection.edge;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.connection.ConnectionOptions;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.TicketStore;
import dev.mesh.connection.heartbeat.HeartbeatSweeper;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.http.ClientScript;
import dev.mesh.connection.http.CrossOrigin;
import dev.mesh.connection.http.DemoTokens;
import dev.mesh.connection.http.Doors;
import dev.mesh.connection.http.SseEndpoint;
import dev.mesh.connection.http.TicketEndpoint;
import dev.mesh.connection.http.WebSocketEndpoint;
import dev.mesh.connection.membership.QuorumGuard;
import dev.mesh.connection.membership.UserLimitCheck;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.NodeLossWatcher;
import dev.mesh.connection.registry.RegistryRepair;
import dev.mesh.connection.routing.ChannelAdmin;
import dev.mesh.connection.routing.IntegrationApi;
import dev.mesh.connection.routing.NodeInbox;
import dev.mesh.connection.routing.PresenceFeed;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The edge node: the public HTTP server (WebSocket, tickets, client and demo page), the node inbox,
 * the integration API, the heartbeat sweep and the registry watcher, all sharing this verticle's
 * event loop and its sessions. Ready only when the server listens and every consumer is registered;
 * on stop it drains first (goodbye + 1001 to every client, registry entries removed), and only then
 * lets the node leave the cluster.
 */
public final class EdgeVerticle extends VerticleBase {

  private final ConnectionOptions options;
  private final MeshNode node;
  private final MeterRegistry registry;
  private final Function<MeshNode, ChannelLog> logFactory;
  private final Consumer<String> rejoin;
  private Edge edge;
  private HttpServer server;
  private NodeInbox inbox;
  private IntegrationApi api;
  private ChannelAdmin channelAdmin;
  private PresenceFeed presenceFeed;
  private HeartbeatSweeper sweeper;
  private NodeLossWatcher watcher;
  private Authenticator authenticator;
  private Doors doors;
  private RegistryRepair repair;
  private QuorumGuard quorum;

  /**
   * {@code rejoin} asks the launcher to leave the cluster and join again (see {@link
   * Edge#rejoin(String)}).
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
    edge = new Edge(options, node, context, metrics, logFactory.apply(node), rejoin);
    counts.sessions = edge.sessions();
    TicketStore tickets = new TicketStore(node, context, options.auth().ticketTtl());
    authenticator = new Authenticator(vertx, options.auth(), tickets);
    edge.frames.authenticator(authenticator);

    doors = new Doors(vertx, options.doors(), metrics);
    Router router = Router.router(vertx);
    // CORS for MESH_ALLOWED_ORIGINS; refusals of unlisted origins are the endpoints' own JSON 403
    // (PROTOCOL §2.5).
    router.route().handler(new CrossOrigin(edge)::handle);
    WebSocketEndpoint webSockets = new WebSocketEndpoint(edge, authenticator, doors);
    router.get("/ws").handler(webSockets::handlePlain);
    SseEndpoint sse = new SseEndpoint(edge, authenticator, doors);
    router.get("/sse").handler(sse::open);
    // The only route that reads a body: after Origin and credential, at most one frame, in memory,
    // uploads off.
    // Two routes: Vert.x Web wants a body handler first on its route, and the credential must be
    // checked before it.
    router.post("/sse/:connectionId").handler(sse::admitPost);
    router
        .post("/sse/:connectionId")
        .handler(BodyHandler.create(false).setBodyLimit(options.limits().maxFrameBytes()))
        .handler(sse::send)
        .failureHandler(sse::postFailed);
    router
        .post("/auth/ticket")
        .handler(new TicketEndpoint(edge, authenticator, tickets, doors)::handle);
    if (options.auth().demoTokens()) {
      router.get("/demo/token").handler(new DemoTokens(vertx, options.auth().secret())::handle);
    }
    ClientScript.mount(vertx, router);
    // The demo page must revalidate after an upgrade (with the client script), yet stay
    // bfcache-eligible: no-cache,
    // never no-store.
    router
        .route()
        .handler(
            ctx -> {
              ctx.response().putHeader("Cache-Control", "no-cache");
              ctx.next();
            })
        .handler(StaticHandler.create("webroot").setCachingEnabled(false));

    inbox = new NodeInbox(edge);
    api = new IntegrationApi(edge);
    channelAdmin = new ChannelAdmin(edge);
    presenceFeed = new PresenceFeed(edge);
    sweeper = new HeartbeatSweeper(edge);
    watcher = new NodeLossWatcher(edge);
    repair = new RegistryRepair(edge, options.registryCheck());
    quorum = new QuorumGuard(edge);
    sweeper.start(vertx);
    watcher.start();
    repair.start();
    quorum.start();
    // Informative only: a mismatch is logged, and never stops the node.
    UserLimitCheck.run(node, context, options.limits()).onFailure(e -> {});
    HttpServerOptions serverOptions =
        new HttpServerOptions()
            .setMaxWebSocketFrameSize(options.limits().maxFrameBytes())
            .setMaxWebSocketMessageSize(options.limits().maxFrameBytes())
            .setWebSocketClosingTimeout(1)
            // No compression: inflating happens before any size check, so a small deflated frame
            // could cost megabytes
            // (a decompression bomb). PROTOCOL §3.1: permessage-deflate is never negotiated.
            .setPerMessageWebSocketCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            .setMaxInitialLineLength(16 * 1024)
            .setMaxHeaderSize(32 * 1024);
    // Every request and handshake passes the deadlines first: no client holds a socket without
    // sending a request.
    Future<HttpServer> listening =
        doors
            .deadlines()
            .createServer(serverOptions, router, webSockets::handshake)
            .webSocketHandler(socket -> {})
            .listen(options.httpPort(), options.httpHost())
            .onSuccess(s -> server = s);
    return Future.all(
        inbox.start(),
        api.start(),
        channelAdmin.start(),
        presenceFeed.start(),
        authenticator.start(),
        listening);
  }

  @Override
  public Future<?> stop() {
    sweeper.stop(vertx);
    watcher.stop();
    authenticator.stop();
    doors.deadlines().stop();
    repair.stop();
    quorum.stop();
    return edge.lifecycle
        .drainAll()
        .eventually(() -> server == null ? Future.succeededFuture() : server.close())
        .eventually(
            () -> Future.join(inbox.stop(), api.stop(), channelAdmin.stop(), presenceFeed.stop()));
  }

  public int actualPort() {
    return server.actualPort();
  }

  public Edge edge() {
    return edge;
  }

  /** The registry repair of this node (tests run a check on demand). */
  public RegistryRepair registryRepair() {
    return repair;
  }

  /** Lets the metrics gauge read session counts from a scrape thread. */
  private static final class SessionCounts {
    volatile dev.mesh.connection.session.SessionIndex sessions;

    int count(dev.mesh.common.events.Transport transport) {
      return sessions == null ? 0 : sessions.count(transport);
    }
  }
}
