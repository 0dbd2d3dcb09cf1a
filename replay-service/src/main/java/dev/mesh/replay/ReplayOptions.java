package dev.mesh.replay;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;

/**
 * Configuration of replay-service (README "Configuration" lists every variable and default).
 *
 * @param service cluster, ops port (default {@value #DEFAULT_OPS_PORT}) and shutdown timeout
 */
public record ReplayOptions(ServiceOptions service) {

  public static final int DEFAULT_OPS_PORT = 9082;

  /** Reads the environment; call {@link Env#validate()} afterwards to fail on any invalid value. */
  public static ReplayOptions fromEnv(Env env) {
    return new ReplayOptions(ServiceOptions.fromEnv(env, DEFAULT_OPS_PORT));
  }
}
