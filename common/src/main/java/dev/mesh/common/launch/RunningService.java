package dev.mesh.common.launch;

import dev.mesh.common.cluster.MeshNode;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A started service; {@link #stop()} runs the graceful shutdown sequence once. */
public final class RunningService {

  private static final Logger LOG = LoggerFactory.getLogger(RunningService.class);

  private final String name;
  private final ServiceContext context;
  private final int opsPort;
  private Future<Void> stopping;

  RunningService(String name, ServiceContext context, int opsPort) {
    this.name = name;
    this.context = context;
    this.opsPort = opsPort;
  }

  public MeshNode node() {
    return context.node();
  }

  public ServiceContext context() {
    return context;
  }

  /** The port /health, /ready and /metrics are served on. */
  public int opsPort() {
    return opsPort;
  }

  /**
   * Not ready first (balancers stop sending), then each verticle undeployed in reverse order (each finishes its
   * work: closes sockets, removes its registry entries), then the node leaves the cluster.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      LOG.info("event=stopping service={} node={}", name, node().nodeId());
      context.readiness().markStopping();
      Future<Void> undeployed = Future.succeededFuture();
      for (String id : context.deploymentsInReverse()) {
        undeployed = undeployed.compose(v -> node().vertx().undeploy(id)
            .recover(e -> {
              LOG.warn("event=undeploy-failed service={} deployment={} cause=\"{}\"", name, id, e.getMessage());
              return Future.succeededFuture();
            }));
      }
      stopping = undeployed
          .compose(v -> node().close())
          .onSuccess(v -> LOG.info("event=stopped service={}", name));
    }
    return stopping;
  }
}
