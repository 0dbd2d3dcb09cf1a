package dev.mesh.presence;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;

/**
 * Configuration of presence-service (README "Configuration" lists every variable and default).
 *
 * @param service cluster, ops port (default {@value #DEFAULT_OPS_PORT}) and shutdown timeout
 */
public record PresenceOptions(ServiceOptions service) {

  public static final int DEFAULT_OPS_PORT = 9081;

  /** Reads the environment; call {@link Env#validate()} afterwards to fail on any invalid value. */
  public static PresenceOptions fromEnv(Env env) {
    return new PresenceOptions(ServiceOptions.fromEnv(env, DEFAULT_OPS_PORT));
  }
}
