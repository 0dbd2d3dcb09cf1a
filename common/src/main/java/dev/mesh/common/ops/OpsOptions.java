package dev.mesh.common.ops;

import dev.mesh.common.config.Env;

/**
 * Where a service serves {@code /health}, {@code /ready} and {@code /metrics}.
 *
 * @param host {@code MESH_OPS_HOST}, default {@value #DEFAULT_HOST}
 * @param port {@code MESH_OPS_PORT}, default per service (0 = any free port)
 */
public record OpsOptions(String host, int port) {

  public static final String DEFAULT_HOST = "127.0.0.1";

  public OpsOptions withPort(int value) {
    return new OpsOptions(host, value);
  }

  public static OpsOptions fromEnv(Env env, int defaultPort) {
    return new OpsOptions(env.string("MESH_OPS_HOST", DEFAULT_HOST), env.port("MESH_OPS_PORT", defaultPort));
  }
}
