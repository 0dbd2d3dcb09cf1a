package dev.mesh.common.ops;

import dev.mesh.common.http.HttpDeadlines;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * Serves {@code /health}, {@code /ready} and {@code /metrics} (Prometheus text format) on the ops
 * port.
 */
public final class OpsVerticle extends VerticleBase {

  private final OpsOptions options;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;

  public OpsVerticle(OpsOptions options, Readiness readiness, PrometheusMeterRegistry registry) {
    this.options = options;
    this.readiness = readiness;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(readiness.liveness()));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness.ready()));
    router.get("/metrics").handler(this::scrape);
    // Request and idle deadlines, as on every Mesh server: a slow or silent client cannot hold a
    // socket.
    return HttpDeadlines.defaults(vertx)
        .createServer(new HttpServerOptions(), router, null)
        .listen(options.port(), options.host())
        .onSuccess(s -> server = s);
  }

  /** The actual port, useful when configured as 0. */
  public int actualPort() {
    return server.actualPort();
  }

  private void scrape(RoutingContext ctx) {
    // Scraping walks every meter; keep it off the event loop.
    vertx
        .executeBlocking(registry::scrape, false)
        .onSuccess(
            text ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(text))
        .onFailure(ctx::fail);
  }
}
