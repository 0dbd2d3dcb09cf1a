package dev.mesh.common.launch;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.ops.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a service's verticles are given: the node, the metrics registry, the readiness checks, and a
 * way to ask the launcher to leave and rejoin the cluster. One context per incarnation: a service
 * that rejoins gets a new one.
 */
public final class ServiceContext {

  private final MeshNode node;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final Consumer<String> rejoin;
  private final List<String> deployments = Collections.synchronizedList(new ArrayList<>());

  ServiceContext(
      MeshNode node,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      Consumer<String> rejoin) {
    this.node = node;
    this.registry = registry;
    this.readiness = readiness;
    this.rejoin = rejoin;
  }

  public MeshNode node() {
    return node;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Readiness readiness() {
    return readiness;
  }

  /**
   * Asks the launcher to leave the cluster and join it again as a new node, as at launch (same
   * ports): for a node that finds it was removed (paused past failure detection, alone in its
   * view). Idempotent; returns at once.
   */
  public void requestRejoin(String reason) {
    rejoin.accept(reason);
  }

  /** Deploys a verticle and remembers it, so that stop undeploys in reverse order of deployment. */
  public Future<String> deploy(Deployable verticle) {
    return node.vertx().deployVerticle(verticle).onSuccess(deployments::add);
  }

  /**
   * Deploys {@code options.getInstances()} instances of a verticle and remembers the deployment,
   * like {@link #deploy}.
   */
  public Future<String> deploy(
      java.util.function.Supplier<? extends Deployable> verticles,
      io.vertx.core.DeploymentOptions options) {
    return node.vertx().deployVerticle(verticles, options).onSuccess(deployments::add);
  }

  List<String> deploymentsInReverse() {
    List<String> copy = new ArrayList<>(deployments);
    Collections.reverse(copy);
    return copy;
  }
}
