package dev.mesh.connection.support;

import dev.mesh.common.cluster.ClusterOptions;
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

/** Real connection-service nodes in this JVM, clustered on loopback; stop them all with {@link #close()}. */
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
  private final List<RunningService> started = new ArrayList<>();

  public EdgeNodes(ClusterOptions cluster) {
    this.cluster = cluster;
  }

  public static ConnectionOptions defaults(ClusterOptions cluster) {
    return ConnectionOptions.forTest(ServiceOptions.forTest(cluster), AuthOptions.forTest(Tokens.SECRET));
  }

  public Future<Edge> start(UnaryOperator<ConnectionOptions> customise) {
    ConnectionService service = new ConnectionService(customise.apply(defaults(cluster)));
    return ServiceLauncher.start(service).map(running -> {
      synchronized (started) {
        started.add(running);
      }
      return new Edge(running, service);
    });
  }

  public Future<Edge> start() {
    return start(UnaryOperator.identity());
  }

  /** A real presence-service node in the same cluster. */
  public Future<RunningService> startPresence() {
    PresenceService presence = new PresenceService(PresenceOptions.forTest(cluster));
    return ServiceLauncher.start(presence).map(running -> {
      synchronized (started) {
        started.add(running);
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
    ReplayService replay = new ReplayService(customise.apply(ReplayOptions.forTest(ServiceOptions.forTest(cluster),
        List.of())));
    return ServiceLauncher.start(replay).map(running -> {
      synchronized (started) {
        started.add(running);
      }
      return running;
    });
  }

  @Override
  public void close() throws Exception {
    List<Future<Void>> stops;
    synchronized (started) {
      stops = started.stream().map(RunningService::stop).toList();
    }
    Future.join(stops).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  public static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
