package dev.mesh.connection;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.connection.serverapi.ServerApiOptions;

/** Entry point of the connection-service fat jar. */
public final class ConnectionMain {

  private ConnectionMain() {}

  public static void main(String[] args) {
    ServiceLauncher.run(
        () -> {
          Env env = Env.system();
          ConnectionOptions options = ConnectionOptions.fromEnv(env);
          ServerApiOptions serverApi = ServerApiOptions.fromEnv(env);
          env.validate();
          return new ConnectionService(options, serverApi);
        });
  }
}
