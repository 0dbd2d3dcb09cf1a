package dev.mesh.common.ops;

import dev.mesh.common.cluster.MeshNode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The checks behind {@code /health} (liveness: the process answers) and {@code /ready} (cluster joined, every
 * verticle deployed with its consumers registered, and not shutting down). Services add their own checks with
 * {@link #ready()}.
 */
public final class Readiness {

  private final HealthChecks liveness;
  private final HealthChecks readiness;
  private final AtomicBoolean deployed = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();

  public Readiness(MeshNode node, String service) {
    this.liveness = HealthChecks.create(node.vertx())
        .register("alive", promise -> promise.complete(Status.OK(new JsonObject().put("service", service))));
    this.readiness = HealthChecks.create(node.vertx())
        .register("cluster", promise -> promise.complete(node.isClusterJoined()
            ? Status.OK(new JsonObject()
                .put("nodeId", node.nodeId())
                .put("members", node.memberCount()))
            : Status.KO(new JsonObject().put("reason", "not joined"))))
        .register("deployed", promise -> promise.complete(deployed.get() && !stopping.get()
            ? Status.OK()
            : Status.KO(new JsonObject().put("reason", stopping.get() ? "shutting down" : "starting"))));
  }

  public HealthChecks liveness() {
    return liveness;
  }

  public HealthChecks ready() {
    return readiness;
  }

  /** Every verticle of the service is deployed: its servers listen and its consumers are registered. */
  public void markDeployed() {
    deployed.set(true);
  }

  /** Shutdown began: report not ready so load balancers stop sending new work. */
  public void markStopping() {
    stopping.set(true);
  }
}
