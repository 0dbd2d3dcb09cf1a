package dev.mesh.connection.support;

import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.launch.RunningService;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.connection.ConnectionService;
import dev.mesh.connection.serverapi.ServerApiOptions;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.presence.PresenceService;
import dev.mesh.replay.ReplayOptions;
import dev.mesh.replay.ReplayService;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A whole mesh in this JVM for the HTTP API tests: presence-service, replay-service and two
 * connection nodes, the first with the server API open (bearer {@link #TOKEN}). Every HTTP port is
 * a free loopback port.
 */
public final class ApiMesh implements AutoCloseable {

  public static final String TOKEN = "server-api-test-token-0123456789";

  private final List<RunningService> started = new ArrayList<>();
  public PresenceService presence;
  public ReplayService replay;
  public ConnectionService edgeA;
  public ConnectionService edgeB;
  public RunningService runningA;
  public RunningService runningB;
  public RunningService runningPresence;
  public RunningService runningReplay;

  /** Starts everything; blocks the calling (test) thread until the mesh is up. */
  public static ApiMesh start(ClusterOptions cluster) throws Exception {
    ApiMesh mesh = new ApiMesh();
    try {
      mesh.presence = new PresenceService(PresenceOptions.forTest(cluster));
      mesh.runningPresence = mesh.launch(mesh.presence);
      mesh.replay =
          new ReplayService(ReplayOptions.forTest(ServiceOptions.forTest(cluster), List.of()));
      mesh.runningReplay = mesh.launch(mesh.replay);
      mesh.edgeA =
          new ConnectionService(EdgeNodes.defaults(cluster), ServerApiOptions.forTest(TOKEN));
      mesh.runningA = mesh.launch(mesh.edgeA);
      mesh.edgeB = new ConnectionService(EdgeNodes.defaults(cluster));
      mesh.runningB = mesh.launch(mesh.edgeB);
      return mesh;
    } catch (Exception e) {
      mesh.close();
      throw e;
    }
  }

  private RunningService launch(dev.mesh.common.launch.MeshService service) throws Exception {
    RunningService running = await(ServiceLauncher.start(service));
    started.add(running);
    return running;
  }

  /** Waits for a future on the test thread (never on an event loop). */
  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * Stops the edges first, then presence and replay (the only data members here), as a real
   * shutdown does: an edge still stopping after the data members left waits on registry removals
   * that no member can take. The data members are stopped even when the edges' stop failed.
   */
  @Override
  public void close() throws Exception {
    List<RunningService> edges = new ArrayList<>();
    List<RunningService> dataMembers = new ArrayList<>();
    for (RunningService running : started) {
      (running == runningA || running == runningB ? edges : dataMembers).add(running);
    }
    try {
      stopAll(edges);
    } finally {
      stopAll(dataMembers);
    }
  }

  private static void stopAll(List<RunningService> running) throws Exception {
    List<Future<Void>> stops = running.stream().map(RunningService::stop).toList();
    Future.join(stops).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
