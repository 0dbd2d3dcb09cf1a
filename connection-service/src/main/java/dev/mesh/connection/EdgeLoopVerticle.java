package dev.mesh.connection;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.TicketStore;
import dev.mesh.connection.edge.Edge;
import dev.mesh.connection.edge.EdgeNode;
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
import dev.mesh.connection.registry.NodeLossWatcher;
import dev.mesh.connection.routing.PresenceFeed;
import dev.mesh.connection.routing.PresenceRouter;
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
 * One event loop of the edge node: its share of the public server (WebSocket, SSE, tickets, client
 * and demo page; every loop listens on the same port), its sessions and everything that touches
 * them on its own thread: the heartbeat sweep, the presence feed of its subscribers, and its
 * reactions to membership (quorum lost, a member gone).
 */
final class EdgeLoopVerticle extends VerticleBase {

  private final ConnectionOptions options;
  private final EdgeNode shared;
  private final Doors nodeDoors;
  private final PresenceRouter presenceRouter;
  private final int port;
  private final Function<MeshNode, ChannelLog> logFactory;
  private final Consumer<String> rejoin;
  private Edge edge;
  private HttpServer server;
  private PresenceFeed presenceFeed;
  private HeartbeatSweeper sweeper;
  private NodeLossWatcher watcher;
  private QuorumGuard quorum;
  private Authenticator authenticator;
  private Doors doors;

  EdgeLoopVerticle(
      ConnectionOptions options,
      EdgeNode shared,
      Doors nodeDoors,
      PresenceRouter presenceRouter,
      int port,
      Function<MeshNode, ChannelLog> logFactory,
      Consumer<String> rejoin) {
    this.options = options;
    this.shared = shared;
    this.nodeDoors = nodeDoors;
    this.presenceRouter = presenceRouter;
    this.port = port;
    this.logFactory = logFactory;
    this.rejoin = rejoin;
  }

  @Override
  public Future<?> start() {
    MeshNode node = shared.node();
    TicketStore tickets = new TicketStore(node, context, options.auth().ticketTtl());
    authenticator = new Authenticator(vertx, options.auth(), tickets, shared.verifiedTokens());
    edge = new Edge(shared, context, logFactory.apply(node), authenticator);
    shared.addLoop(edge);

    doors = nodeDoors.forLoop(vertx);
    Router router = Router.router(vertx);
    // CORS for MESH_ALLOWED_ORIGINS; refusals of unlisted origins are the endpoints' own JSON 403
    // (PROTOCOL §2.5).
    router.route().handler(new CrossOrigin(edge.options().auth(), edge.metrics())::handle);
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
        .handler(
            new TicketEndpoint(edge.options().auth(), edge.metrics(), authenticator, tickets, doors)
                ::handle);
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

    presenceFeed = new PresenceFeed(context, edge);
    presenceRouter.add(presenceFeed);
    sweeper = new HeartbeatSweeper(edge.options(), node, edge.metrics(), edge, rejoin);
    watcher =
        new NodeLossWatcher(
            edge.node(), edge.registry(), edge.events(), edge.subscriptions()::catchUpAll);
    quorum = new QuorumGuard(node, edge.options().quorumLossGrace(), edge);
    sweeper.start(vertx);
    watcher.start();
    quorum.start();
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
            .listen(port, options.httpHost())
            .onSuccess(s -> server = s);
    // Vert.x does not stop a loop whose start failed: it must not stay in the node's router.
    return Future.all(authenticator.start(), listening)
        .onFailure(e -> presenceRouter.remove(presenceFeed));
  }

  @Override
  public Future<?> stop() {
    // Registrations waiting in the window go now: they meet the drain and are refused with a hint.
    edge.registry().stopGathering();
    sweeper.stop(vertx);
    watcher.stop();
    authenticator.stop();
    doors.deadlines().stop();
    quorum.stop();
    return edge.lifecycle()
        .drainAll()
        .eventually(() -> server == null ? Future.succeededFuture() : server.close())
        .onComplete(
            done -> {
              presenceRouter.remove(presenceFeed);
              shared.removeLoop(edge);
            });
  }

  int actualPort() {
    return server.actualPort();
  }

  Edge edge() {
    return edge;
  }
}
