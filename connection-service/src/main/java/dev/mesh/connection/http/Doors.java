package dev.mesh.connection.http;

import dev.mesh.common.http.HttpDeadlines;
import dev.mesh.connection.ops.ConnectionMetrics;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.util.Locale;

/**
 * The public port's door limits, shared by its endpoints: the client's address (trusting {@code
 * X-Forwarded-For} only from {@code MESH_TRUSTED_PROXIES}), per-address rates for connection
 * attempts, tickets and SSE POSTs, and the request deadlines of the server's connections. On the
 * edge verticle's event loop only.
 */
public final class Doors {

  /**
   * Which rate a request draws on (also the {@code door} tag of {@code
   * mesh_http_rate_limited_total}).
   */
  public enum Door {
    CONNECT,
    TICKET,
    POST;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final ClientAddress clients;
  private final AddressRateLimiter connects;
  private final AddressRateLimiter tickets;
  private final AddressRateLimiter posts;
  private final HttpDeadlines deadlines;
  private final ConnectionMetrics metrics;
  private final DoorOptions options;

  public Doors(Vertx vertx, DoorOptions options, ConnectionMetrics metrics) {
    this.clients = ClientAddress.trusting(options.trustedProxies());
    this.connects =
        new AddressRateLimiter(
            options.connectRate(), options.connectBurst(), AddressRateLimiter.MAX_ADDRESSES);
    this.tickets =
        new AddressRateLimiter(
            options.connectRate(), options.connectBurst(), AddressRateLimiter.MAX_ADDRESSES);
    this.posts =
        new AddressRateLimiter(
            options.postRate(), options.postBurst(), AddressRateLimiter.MAX_ADDRESSES);
    this.deadlines = new HttpDeadlines(vertx, options.requestTimeout(), options.idleTimeout());
    this.options = options;
    this.metrics = metrics;
    metrics.deadlines(deadlines);
  }

  private Doors(Doors shared, Vertx vertx) {
    this.clients = shared.clients;
    this.connects = shared.connects;
    this.tickets = shared.tickets;
    this.posts = shared.posts;
    this.options = shared.options;
    this.metrics = shared.metrics;
    this.deadlines = new HttpDeadlines(vertx, options.requestTimeout(), options.idleTimeout());
    metrics.deadlines(deadlines);
  }

  /**
   * The doors of another event loop's server: the same per-address rates (a client's requests count
   * the same on every loop: the rates are the node's), its own deadlines (they run on the loop of
   * the server they watch).
   */
  public Doors forLoop(Vertx vertx) {
    return new Doors(this, vertx);
  }

  public HttpDeadlines deadlines() {
    return deadlines;
  }

  /**
   * Takes one request of {@code door} for the client behind {@code peer}; 0 when allowed, else the
   * seconds the client should wait (its {@code Retry-After}), counted in {@code
   * mesh_http_rate_limited_total{door}}.
   */
  public int admit(Door door, SocketAddress peer, MultiMap headers) {
    AddressRateLimiter limiter =
        switch (door) {
          case CONNECT -> connects;
          case TICKET -> tickets;
          case POST -> posts;
        };
    String client = clients.of(peer, headers);
    // The limiters are the node's, shared by its event loops.
    synchronized (limiter) {
      if (limiter.tryAcquire(client, System.nanoTime())) {
        return 0;
      }
    }
    metrics.rateLimited(door.tag());
    synchronized (limiter) {
      return limiter.retryAfterSeconds();
    }
  }
}
