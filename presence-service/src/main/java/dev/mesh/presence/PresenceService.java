package dev.mesh.presence;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.ServiceContext;
import dev.mesh.common.ops.OpsOptions;
import dev.mesh.common.status.StatusVerticle;
import io.vertx.core.Future;

import java.time.Duration;

/** presence-service: deploys its verticles in order. */
public final class PresenceService implements MeshService {

  public static final String NAME = "presence-service";

  private final PresenceOptions options;

  public PresenceService(PresenceOptions options) {
    this.options = options;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ClusterOptions cluster() {
    return options.service().cluster();
  }

  @Override
  public OpsOptions ops() {
    return options.service().ops();
  }

  @Override
  public Duration shutdownTimeout() {
    return options.service().shutdownTimeout();
  }

  @Override
  public Future<Void> deploy(ServiceContext context) {
    return context.deploy(new StatusVerticle(context.node(), NAME, Addresses.PRESENCE_STATUS)).mapEmpty();
  }
}
