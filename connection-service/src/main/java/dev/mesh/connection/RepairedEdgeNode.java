package dev.mesh.connection;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.connection.edge.Edge;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.lifecycle.ConnectionEvents;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryClient;
import dev.mesh.connection.registry.RegistryRepair;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * The edge node as the registry repair sees it. An adapter in the wiring, so that the repair needs
 * nothing of the edge package and the edge nothing of the repair.
 */
final class RepairedEdgeNode implements RegistryRepair.Node {

  private final EdgeNode edge;

  RepairedEdgeNode(EdgeNode edge) {
    this.edge = edge;
  }

  @Override
  public MeshNode node() {
    return edge.node();
  }

  @Override
  public RegistryClient registry() {
    return edge.registry();
  }

  @Override
  public ConnectionMetrics metrics() {
    return edge.metrics();
  }

  @Override
  public boolean draining() {
    return edge.draining();
  }

  @Override
  public boolean holds(String connectionId) {
    return edge.owner(connectionId) != null;
  }

  @Override
  public <T> Future<List<T>> onEachLoop(Function<RegistryRepair.Loop, T> action) {
    return edge.onEach(loop -> Future.succeededFuture(action.apply(new RepairedLoop(loop))));
  }

  private record RepairedLoop(Edge loop) implements RegistryRepair.Loop {
    @Override
    public Collection<Session> sessions() {
      return loop.sessions().all();
    }

    @Override
    public RegistryClient registry() {
      return loop.registry();
    }

    @Override
    public ConnectionEvents events() {
      return loop.events();
    }

    @Override
    public void close(Session session, Disconnect disconnect) {
      loop.lifecycle().close(session, disconnect);
    }

    @Override
    public void displace(RegisterConnection.Result result) {
      loop.lifecycle().displace(result);
    }
  }
}
