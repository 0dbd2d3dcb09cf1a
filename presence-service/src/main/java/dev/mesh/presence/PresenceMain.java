package dev.mesh.presence;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceLauncher;

/** Entry point of the presence-service fat jar. */
public final class PresenceMain {

  private PresenceMain() {}

  public static void main(String[] args) {
    ServiceLauncher.run(
        () -> {
          Env env = Env.system();
          PresenceOptions options = PresenceOptions.fromEnv(env);
          env.validate();
          return new PresenceService(options);
        });
  }
}
