package dev.mesh.connection.http;

import dev.mesh.common.status.Version;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.function.Function;

/**
 * Serves the browser client from the classpath ({@code webroot/mesh-client.js} and {@code .d.ts}):
 *
 * <ul>
 *   <li>{@code GET /mesh-client.js}, {@code GET /mesh-client.d.ts}: the stable paths, revalidated
 *       on every use ({@code Cache-Control: no-cache} with an {@code ETag}, so a deploy is picked
 *       up at the next page load);
 *   <li>{@code GET /mesh-client-<version>.js}: the same script under this node's version, cacheable
 *       for a year ({@code immutable}); any other version is 404, so a page never runs a client the
 *       node does not match.
 * </ul>
 *
 * Every answer carries {@code X-Mesh-Version}. The files are read once, on a worker thread, when
 * the routes are mounted; a request arriving before that finished waits for it.
 */
public final class ClientScript {

  static final String JS_TYPE = "text/javascript; charset=utf-8";
  static final String DTS_TYPE = "application/typescript; charset=utf-8";
  static final String IMMUTABLE = "public, max-age=31536000, immutable";

  private record Asset(Buffer body, String etag) {}

  private record Assets(Asset script, Asset types) {}

  private final String version;
  private final Future<Assets> assets;

  private ClientScript(Vertx vertx, String version) {
    this.version = version;
    this.assets =
        vertx.executeBlocking(
            () -> new Assets(read("webroot/mesh-client.js"), read("webroot/mesh-client.d.ts")));
  }

  /**
   * Reads the client off the event loop and adds its routes: call before the static handler's
   * route.
   */
  public static ClientScript mount(Vertx vertx, Router router) {
    ClientScript script = new ClientScript(vertx, Version.current());
    script.routes(router);
    return script;
  }

  /** Completes when the files have been read (fails if they are missing from the classpath). */
  public Future<Void> loaded() {
    return assets.mapEmpty();
  }

  private void routes(Router router) {
    router
        .route("/mesh-client.js")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ctx -> serve(ctx, Assets::script, JS_TYPE, "no-cache"));
    router
        .route("/mesh-client.d.ts")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ctx -> serve(ctx, Assets::types, DTS_TYPE, "no-cache"));
    router
        .routeWithRegex("/mesh-client-([^/]+)\\.js")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(this::versioned);
  }

  private void versioned(RoutingContext ctx) {
    String asked = ctx.pathParam("param0");
    if (!version.equals(asked)) {
      ctx.response().putHeader("X-Mesh-Version", version);
      HttpErrors.json(
          ctx.response(),
          404,
          "not-found",
          "this node serves mesh-client "
              + version
              + " (at /mesh-client-"
              + version
              + ".js), not "
              + asked);
      return;
    }
    serve(ctx, Assets::script, JS_TYPE, IMMUTABLE);
  }

  private void serve(RoutingContext ctx, Function<Assets, Asset> pick, String type, String cache) {
    assets.onComplete(
        ar -> {
          HttpServerResponse response = ctx.response();
          if (response.ended() || response.closed()) {
            return;
          }
          response.putHeader("X-Mesh-Version", version);
          if (ar.failed()) {
            HttpErrors.json(
                response,
                500,
                "internal",
                "the client script could not be read: " + ar.cause().getMessage());
            return;
          }
          Asset asset = pick.apply(ar.result());
          response
              .putHeader("Cache-Control", cache)
              .putHeader("ETag", asset.etag())
              .putHeader("X-Content-Type-Options", "nosniff");
          String ifNoneMatch = ctx.request().getHeader("If-None-Match");
          if (ifNoneMatch != null && matches(ifNoneMatch, asset.etag())) {
            response.setStatusCode(304).end();
            return;
          }
          response.putHeader("Content-Type", type);
          if (ctx.request().method().equals(HttpMethod.HEAD)) {
            response.putHeader("Content-Length", Integer.toString(asset.body().length())).end();
          } else {
            response.end(asset.body());
          }
        });
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",", -1)) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(etag) || c.equals("*")) {
        return true;
      }
    }
    return false;
  }

  private static Asset read(String resource) {
    ClassLoader loader = ClientScript.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the classpath");
      }
      byte[] bytes = in.readAllBytes();
      return new Asset(Buffer.buffer(bytes), etag(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return '"'
          + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 27)
          + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
