package dev.mesh.replay;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceLauncher;

/** Entry point of the replay-service fat jar. */
public final class ReplayMain {

  private ReplayMain() {}

  public static void main(String[] args) {
    ServiceLauncher.run(
        () -> {
          Env env = Env.system();
          ReplayOptions options = ReplayOptions.fromEnv(env);
          env.validate();
          return new ReplayService(options);
        });
  }
}
