package dev.mesh.connection.support;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.connection.ConnectionOptions;
import dev.mesh.connection.ConnectionService;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.PresenceService;
import dev.mesh.replay.ReplayOptions;
import dev.mesh.replay.ReplayService;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Real connection-service nodes in this JVM, clustered on loopback; stop them all with {@link
 * #close()}. Edges are lite members (as connection-service is by default), so the registry needs a
 * data member: the first edge started without a presence or replay node brings a plain data member
 * with it.
 */
public final class EdgeNodes implements AutoCloseable {

  /** One started node: the running service (node, registry) and the public port. */
  public record Edge(RunningService running, ConnectionService service) {
    public int port() {
      return service.httpPort();
    }

    public String nodeId() {
      return running.node().nodeId();
    }
  }

  private final ClusterOptions cluster;
  private final List<RunningService> edges = new ArrayList<>();

  /** Presence and replay nodes: data members, stopped after the edges (see {@link #close()}). */
  private final List<RunningService> services = new ArrayList<>();

  private final List<MeshNode> dataMembers = new ArrayList<>();
  private boolean hasDataMember;

  public EdgeNodes(ClusterOptions cluster) {
    this.cluster = cluster;
  }

  public static ConnectionOptions defaults(ClusterOptions cluster) {
    return ConnectionOptions.forTest(
        ServiceOptions.forTest(cluster.withLiteMember(true)), AuthOptions.forTest(Tokens.SECRET));
  }

  /**
   * A plain Hazelcast data member in the cluster (holds the registry for edges started without
   * other services).
   */
  public Future<MeshNode> startDataMember() {
    hasDataMember = true;
    return MeshCluster.start(cluster.withLiteMember(false), null)
        .onSuccess(
            node -> {
              synchronized (dataMembers) {
                dataMembers.add(node);
              }
            });
  }

  public Future<Edge> start(UnaryOperator<ConnectionOptions> customise) {
    Future<?> data = hasDataMember ? Future.succeededFuture() : startDataMember();
    return data.compose(v -> startEdge(customise));
  }

  private Future<Edge> startEdge(UnaryOperator<ConnectionOptions> customise) {
    ConnectionService service = new ConnectionService(customise.apply(defaults(cluster)));
    return ServiceLauncher.start(service)
        .map(
            running -> {
              synchronized (edges) {
                edges.add(running);
              }
              return new Edge(running, service);
            });
  }

  public Future<Edge> start() {
    return start(UnaryOperator.identity());
  }

  /** A real presence-service node in the same cluster. */
  public Future<RunningService> startPresence() {
    hasDataMember = true;
    PresenceService presence = new PresenceService(PresenceOptions.forTest(cluster));
    return ServiceLauncher.start(presence)
        .map(
            running -> {
              synchronized (services) {
                services.add(running);
              }
              return running;
            });
  }

  /** A real replay-service node in the same cluster (channels need history positions). */
  public Future<RunningService> startReplay() {
    return startReplay(UnaryOperator.identity());
  }

  /** A replay-service node with customised options. */
  public Future<RunningService> startReplay(UnaryOperator<ReplayOptions> customise) {
    hasDataMember = true;
    ReplayService replay =
        new ReplayService(
            customise.apply(ReplayOptions.forTest(ServiceOptions.forTest(cluster), List.of())));
    return ServiceLauncher.start(replay)
        .map(
            running -> {
              synchronized (services) {
                services.add(running);
              }
              return running;
            });
  }

  /**
   * Stops the edges first, then the presence and replay nodes, then the plain data members: the
   * order of a real shutdown. An edge stopping after the last data member left would wait on
   * registry removals that no member can take (Hazelcast retries them up to its invocation
   * timeout). Each later step runs even when an earlier one failed, so that nothing is left running
   * in the test JVM.
   */
  @Override
  public void close() throws Exception {
    try {
      stopAll(edges);
    } finally {
      try {
        stopAll(services);
      } finally {
        List<Future<Void>> closes;
        synchronized (dataMembers) {
          closes = dataMembers.stream().map(MeshNode::close).toList();
        }
        Future.join(closes).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
  }

  public static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private static void stopAll(List<RunningService> running) throws Exception {
    List<Future<Void>> stops;
    synchronized (running) {
      stops = running.stream().map(RunningService::stop).toList();
    }
    Future.join(stops).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
