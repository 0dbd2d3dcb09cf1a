package dev.mesh.replay;

import com.hazelcast.core.HazelcastInstance;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.launch.MeshService;
import dev.mesh.common.launch.ServiceContext;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.common.status.StatusVerticle;
import dev.mesh.replay.ack.AckVerticle;
import dev.mesh.replay.history.HistoryVerticle;
import dev.mesh.replay.http.ReplayHttpVerticle;
import dev.mesh.replay.publish.PublishVerticle;
import dev.mesh.replay.store.ChannelStore;
import io.vertx.core.Future;

/**
 * replay-service: declares its Hazelcast maps, then deploys, in order, status, publish, history,
 * acks and the HTTP facade. Stateless apart from per-node read coalescing: every history lives in
 * Hazelcast, so any number of copies can run and any one can be killed.
 */
public final class ReplayService implements MeshService {

  public static final String NAME = "replay-service";

  private final ReplayOptions options;
  private ReplayHttpVerticle http;
  private ReplayMetrics metrics;

  /**
   * The HTTP API's port bound at launch, kept when the node rejoins the cluster (0 before the first
   * start).
   */
  private volatile int boundHttpPort;

  public ReplayService(ReplayOptions options) {
    this.options = options;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ServiceOptions serviceOptions() {
    return options.service();
  }

  @Override
  public Future<Void> deploy(ServiceContext context) {
    HazelcastInstance hazelcast = context.node().hazelcast();
    ChannelRules rules = options.channels();
    metrics = new ReplayMetrics(context.registry());
    http =
        new ReplayHttpVerticle(
            options.httpHost(),
            boundHttpPort == 0 ? options.httpPort() : boundHttpPort,
            options.maxEventBytes(),
            options.httpToken());
    return ChannelStore.configure(context.node().vertx(), hazelcast, options.backups())
        .compose(
            v -> context.deploy(new StatusVerticle(context.node(), NAME, Addresses.REPLAY_STATUS)))
        .compose(
            v ->
                context.deploy(
                    new PublishVerticle(
                        context.node(),
                        rules,
                        options.maxEventBytes(),
                        options.maxChannelsPerUser(),
                        metrics)))
        .compose(
            v ->
                context.deploy(
                    new HistoryVerticle(hazelcast, rules, options.maxPageSize(), metrics)))
        .compose(
            v -> context.deploy(new AckVerticle(hazelcast, rules, options.maxPageSize(), metrics)))
        .compose(v -> context.deploy(http))
        .onSuccess(v -> boundHttpPort = http.actualPort())
        .mapEmpty();
  }

  /** The HTTP API's bound port (after deploy). */
  public int httpPort() {
    return http.actualPort();
  }

  /** This node's meters (after deploy). */
  public ReplayMetrics metrics() {
    return metrics;
  }
}
