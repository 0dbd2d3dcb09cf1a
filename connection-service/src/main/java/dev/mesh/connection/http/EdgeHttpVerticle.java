package dev.mesh.connection.http;

import dev.mesh.connection.ConnectionOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/** The public HTTP server: serves the browser client and the demo page from the {@code webroot} resource folder. */
public final class EdgeHttpVerticle extends VerticleBase {

  private final ConnectionOptions options;
  private HttpServer server;

  public EdgeHttpVerticle(ConnectionOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(StaticHandler.create("webroot"));
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(options.httpPort(), options.httpHost())
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int actualPort() {
    return server.actualPort();
  }
}
