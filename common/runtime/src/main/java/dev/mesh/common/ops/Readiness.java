package dev.mesh.common.ops;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshNode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

/**
 * The checks behind {@code /health} (liveness: the process answers) and {@code /ready} (cluster
 * joined, quorate, every verticle deployed with its consumers registered, and not shutting down or
 * rejoining). Services add their own checks with {@link #ready()}.
 */
public final class Readiness {

  private final HealthChecks liveness;
  private final HealthChecks readiness;
  private volatile boolean deployed;
  private volatile String stopping;

  public Readiness(MeshNode node, String service) {
    this.liveness =
        HealthChecks.create(node.vertx())
            .register(
                "alive",
                promise -> promise.complete(Status.OK(new JsonObject().put("service", service))));
    this.readiness =
        HealthChecks.create(node.vertx())
            .register(
                "cluster",
                promise ->
                    promise.complete(
                        node.isClusterJoined()
                            ? Status.OK(
                                new JsonObject()
                                    .put("nodeId", node.nodeId())
                                    .put("members", node.memberCount())
                                    .put("dataMembers", node.dataMemberCount())
                                    .put("liteMember", node.isLiteMember()))
                            : Status.KO(new JsonObject().put("reason", "not joined"))))
            .register("quorum", promise -> promise.complete(quorum(node)))
            .register(
                "deployed",
                promise ->
                    promise.complete(
                        deployed && stopping == null
                            ? Status.OK()
                            : Status.KO(
                                new JsonObject()
                                    .put("reason", stopping != null ? stopping : "starting"))));
  }

  /**
   * Quorate: at least {@code MESH_CLUSTER_MIN_MEMBERS} data members in view and not paused past
   * failure detection. With three or more data members and a minimum below their majority, both
   * sides of a split could serve: the check stays up but carries a warning.
   */
  static Status quorum(MeshNode node) {
    int data = node.dataMemberCount();
    JsonObject details =
        new JsonObject().put("dataMembers", data).put("required", node.requiredDataMembers());
    String warning = majorityWarning(data, node.options().minDataMembers());
    if (warning != null) {
      details.put("warning", warning);
    }
    String problem = node.quorumProblem();
    if (problem != null) {
      return Status.KO(details.put("reason", problem));
    }
    return Status.OK(details);
  }

  /**
   * A warning when {@code dataMembers} (3 or more) could split into two sides that both meet {@code
   * minimum}.
   */
  public static String majorityWarning(int dataMembers, int minimum) {
    if (dataMembers < 3 || minimum >= ClusterOptions.majorityOf(dataMembers)) {
      return null;
    }
    return "MESH_CLUSTER_MIN_MEMBERS="
        + minimum
        + " is below the majority ("
        + ClusterOptions.majorityOf(dataMembers)
        + ") of the "
        + dataMembers
        + " data members: both sides of a split would accept writes, and a merge would"
        + " discard one side's";
  }

  public HealthChecks liveness() {
    return liveness;
  }

  public HealthChecks ready() {
    return readiness;
  }

  /**
   * Every verticle of the service is deployed: its servers listen and its consumers are registered.
   */
  public void markDeployed() {
    deployed = true;
  }

  /** Shutdown began: report not ready so load balancers stop sending new work. */
  public void markStopping() {
    markStopping("shutting down");
  }

  /** Not ready from now on, for {@code reason} (shutting down, rejoining the cluster). */
  public void markStopping(String reason) {
    stopping = reason;
  }
}
