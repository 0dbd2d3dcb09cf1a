package dev.mesh.common.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;

/**
 * What a member adds to the bare clustered Vert.x that {@link MeshCluster} builds: metrics, a
 * tracer, and work once Vert.x is up (the service's log context). The services' runtime provides
 * one; tests and {@code MeshBus} pass none ({@code null}), so the contract needs no metrics or
 * tracing library.
 */
public interface NodeSetup {

  /** Called before Vert.x is built, with the options and builder it will be built from. */
  void configure(VertxOptions options, VertxBuilder builder);

  /**
   * Called once Vert.x is up and the {@code mesh} codec registered, before the node is handed out.
   */
  default void started(Vertx vertx, String nodeId) {}
}
