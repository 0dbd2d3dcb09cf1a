package dev.mesh.common.ops;

import dev.mesh.common.config.Env;

/**
 * Where a service serves {@code /health}, {@code /ready} and {@code /metrics}, and what {@code
 * /ready} waits for.
 *
 * @param host {@code MESH_OPS_HOST}, default {@value #DEFAULT_HOST}
 * @param port {@code MESH_OPS_PORT}, default per service (0 = any free port)
 * @param readyRequiresSafePartitions {@code MESH_READY_REQUIRE_SAFE_PARTITIONS}, default false:
 *     {@code /ready} also waits until no Hazelcast partition migrates and every backup is in sync.
 *     For data members (presence, replay) under an orchestrator that rolls one pod at a time, so
 *     the next member stops only once the last change has settled; never for connection nodes
 *     (every edge would leave the load balancer during a migration)
 * @param vertxHttpServerMetrics {@code MESH_VERTX_HTTP_SERVER_METRICS}, default true: Vert.x's own
 *     per-request meters of the service's HTTP servers ({@code vertx_http_server_*}). Vert.x builds
 *     and looks up their meters on every request and upgrade (about 4 % of an edge's samples in a
 *     connect profile); a node that accepts connections at a high rate may turn them off, as Mesh's
 *     own meters count connections, refusals, deferrals and frames. Event-bus, pool and JVM meters
 *     stay on either way
 */
public record OpsOptions(
    String host, int port, boolean readyRequiresSafePartitions, boolean vertxHttpServerMetrics) {

  public static final String DEFAULT_HOST = "127.0.0.1";

  public OpsOptions(String host, int port) {
    this(host, port, false, true);
  }

  public OpsOptions(String host, int port, boolean readyRequiresSafePartitions) {
    this(host, port, readyRequiresSafePartitions, true);
  }

  public OpsOptions withPort(int value) {
    return new OpsOptions(host, value, readyRequiresSafePartitions, vertxHttpServerMetrics);
  }

  public static OpsOptions fromEnv(Env env, int defaultPort) {
    return new OpsOptions(
        env.string("MESH_OPS_HOST", DEFAULT_HOST),
        env.port("MESH_OPS_PORT", defaultPort),
        env.bool("MESH_READY_REQUIRE_SAFE_PARTITIONS", false),
        env.bool("MESH_VERTX_HTTP_SERVER_METRICS", true));
  }
}
