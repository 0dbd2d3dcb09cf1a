package dev.mesh.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.mesh.common.bus.MeshCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a clustered Vert.x node on Hazelcast with the Mesh codec registered, so that nothing can
 * be sent before every Mesh message type can be encoded.
 */
public final class MeshCluster {

  private static final Logger LOG = LoggerFactory.getLogger(MeshCluster.class);

  /**
   * How long a member joining through Kubernetes DNS lookup keeps looking for other members before
   * it starts a cluster of its own: only the first pod of a new cluster waits it out (the DNS name
   * lists only itself).
   */
  public static final Duration KUBERNETES_DISCOVERY_WAIT = Duration.ofSeconds(5);

  private MeshCluster() {}

  /**
   * The partition count every Mesh member sets explicitly: Hazelcast's default value, so the data's
   * layout is Hazelcast's usual one. Hazelcast's join check compares the <em>setting</em> (its
   * text, absent when not set) and refuses a joiner whose setting differs, before it is given any
   * partition: a member started with a plain Hazelcast or Vert.x configuration (the cluster name
   * and members, nothing else) is refused and shuts itself down with "Incompatible partition count!
   * expected: 271, found: null", instead of taking partitions of Mesh's data whose classes it does
   * not have. Members of another Mesh version with the same setting still join.
   */
  public static final String PARTITION_COUNT = "271";

  /** Hazelcast member attribute in which vertx-hazelcast looks for the Vert.x node id. */
  static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  /** Longest a member waits for enough data members (quorum) to appear before its start fails. */
  static final Duration QUORUM_WAIT = Duration.ofMinutes(4);

  /**
   * Starts a node; {@code setup} may be null for a bare node without metrics or tracer (tests,
   * {@code MeshBus}). Mesh creates the Hazelcast member itself (with the Vert.x node id as a member
   * attribute, as vertx-hazelcast would) so that it can wait for quorum first: enough data members
   * in view ({@code MESH_CLUSTER_MIN_MEMBERS}, at least one). A lite member needs a data member
   * before Vert.x can start (Vert.x's own start writes to a map, which lite members cannot hold),
   * and a service cannot configure its protected maps without quorum. The services can therefore
   * start in any order.
   */
  public static Future<MeshNode> start(ClusterOptions options, NodeSetup setup) {
    return start(options, BusTlsOptions.off(), setup);
  }

  /**
   * Starts a node whose event bus uses {@code busTls} (mutual TLS when enabled), set up by {@code
   * setup} if any.
   */
  public static Future<MeshNode> start(
      ClusterOptions options, BusTlsOptions busTls, NodeSetup setup) {
    String notLocal = notALocalAddress(options.host());
    if (notLocal != null) {
      return Future.failedFuture(new IllegalArgumentException(notLocal));
    }
    if (options.join().method() == ClusterJoin.Method.KUBERNETES
        && java.security.Security.getProperty("networkaddress.cache.ttl") == null) {
      // The JVM caches a lookup for 30 s by default: a pod that first saw only itself would keep
      // seeing only itself
      // for the whole discovery wait. Effective only before the first lookup of the process, which
      // is the case here.
      java.security.Security.setProperty("networkaddress.cache.ttl", "1");
    }
    HazelcastCallbacks.ensurePooled();
    Config config = hazelcastConfig(options);
    String nodeId = UUID.randomUUID().toString();
    config.getMemberAttributeConfig().setAttribute(VERTX_NODE_ID_ATTRIBUTE, nodeId);
    // The codec's JSON machinery is built beside the join, on a thread of its own, and the node is
    // handed out only once both are done: never on an event loop, in a first message's path.
    CompletableFuture<Void> codecWarm =
        CompletableFuture.runAsync(
            MeshCodec::warmUp, runnable -> new Thread(runnable, "mesh-codec-warm-up").start());
    CompletableFuture<HazelcastInstance> joined =
        CompletableFuture.supplyAsync(
            () -> {
              HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(config);
              try {
                awaitQuorum(hazelcast, options);
                return hazelcast;
              } catch (RuntimeException e) {
                hazelcast.getLifecycleService().terminate();
                throw e;
              }
            },
            runnable -> new Thread(runnable, "mesh-cluster-join").start());
    // A warm-up that fails (it should not) only loses its head start: the start never fails for it.
    CompletableFuture<Void> warmed = codecWarm.handle((done, failure) -> null);
    return Future.fromCompletionStage(joined.thenCombine(warmed, (hazelcast, warm) -> hazelcast))
        .compose(
            hazelcast -> {
              HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcast);
              VertxOptions vertxOptions =
                  new VertxOptions()
                      .setEventBusOptions(
                          busTls.apply(
                              new EventBusOptions()
                                  .setHost(options.busHost())
                                  .setClusterPublicHost(options.busPublicHost())
                                  .setPort(options.busPort())));
              var builder = Vertx.builder().withClusterManager(clusterManager);
              if (setup != null) {
                setup.configure(vertxOptions, builder);
              }
              return builder
                  .with(vertxOptions)
                  .buildClustered()
                  .map(
                      vertx -> {
                        MeshCodec.register(vertx.eventBus());
                        if (setup != null) {
                          setup.started(vertx, nodeId);
                        }
                        return new MeshNode(vertx, hazelcast, nodeId, options);
                      })
                  .recover(
                      e ->
                          // terminate() blocks until the member has left, and this callback may
                          // run on one of the failed Vert.x's event loops: on a thread of its own.
                          Future.fromCompletionStage(
                                  CompletableFuture.runAsync(
                                      () -> hazelcast.getLifecycleService().terminate(),
                                      runnable ->
                                          new Thread(runnable, "mesh-cluster-abandon").start()))
                              .transform(terminated -> Future.<MeshNode>failedFuture(e)));
            });
  }

  private static void awaitQuorum(HazelcastInstance hazelcast, ClusterOptions options) {
    int required = Math.max(1, options.minDataMembers());
    long deadline = System.nanoTime() + QUORUM_WAIT.toNanos();
    long nextLog = System.nanoTime();
    while (!quorate(hazelcast, options, required)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "fewer than "
                + required
                + " data members (presence-service, replay-service)"
                + " joined within "
                + QUORUM_WAIT.toSeconds()
                + " s (MESH_CLUSTER_MIN_MEMBERS="
                + options.minDataMembers()
                + ")");
      }
      if (System.nanoTime() >= nextLog) {
        LOG.info(
            "event=waiting-for-quorum members={} dataMembers={} required={}",
            hazelcast.getCluster().getMembers().size(),
            dataMembers(hazelcast),
            required);
        nextLog = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for quorum");
      }
    }
  }

  private static int dataMembers(HazelcastInstance hazelcast) {
    return (int)
        hazelcast.getCluster().getMembers().stream().filter(m -> !m.isLiteMember()).count();
  }

  /**
   * Enough data members in view, and Hazelcast's own protection agrees (it updates on the next
   * heartbeat).
   */
  private static boolean quorate(
      HazelcastInstance hazelcast, ClusterOptions options, int required) {
    if (dataMembers(hazelcast) < required) {
      return false;
    }
    return options.minDataMembers() < 2
        || hazelcast
            .getSplitBrainProtectionService()
            .getSplitBrainProtection(MeshStructures.SPLIT_BRAIN_PROTECTION)
            .hasMinimumSize();
  }

  /**
   * Why Hazelcast could not bind to {@code host} on this machine, in Mesh's terms, or null.
   * (Hazelcast's own message speaks of its interface configuration, which a Mesh user never wrote.)
   */
  static String notALocalAddress(String host) {
    try {
      java.net.InetAddress address = java.net.InetAddress.getByName(host);
      if (java.net.NetworkInterface.getByInetAddress(address) != null) {
        return null;
      }
      java.util.List<String> local = new java.util.ArrayList<>();
      for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
        nic.inetAddresses()
            .map(java.net.InetAddress::getHostAddress)
            .filter(a -> !a.contains("%"))
            .forEach(local::add);
      }
      return "MESH_CLUSTER_HOST="
          + host
          + " is not an address of this host (its addresses: "
          + String.join(", ", local)
          + "): set it to the address the other members reach this host at";
    } catch (java.io.IOException e) {
      return "MESH_CLUSTER_HOST=" + host + ": " + e.getMessage();
    }
  }

  /**
   * The Hazelcast configuration Mesh uses: Vert.x's required structures, split-brain protection and
   * the failure detector, the cluster state's maps and serializers ({@link ClusterStateHook}), plus
   * TCP-IP join or Kubernetes DNS discovery ({@link ClusterJoin}), tuned for fast joins.
   */
  public static Config hazelcastConfig(ClusterOptions options) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(options.clusterName());
    config.setProperty("hazelcast.partition.count", PARTITION_COUNT);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Hazelcast's metrics feed Management Center and JMX, neither of which Mesh uses: its service
    // meters (mesh_cluster_*) read membership and partitions directly. Collecting them every 5 s
    // took about 1 % of a busy edge's CPU.
    config.getMetricsConfig().setEnabled(false);
    // Mesh shuts Hazelcast down itself, after its sockets are closed and its registry entries are
    // removed.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.tcp.join.port.try.count", "10");
    config.setProperty(
        "hazelcast.heartbeat.interval.seconds",
        Long.toString(options.heartbeatInterval().toSeconds()));
    config.setProperty(
        "hazelcast.max.no.heartbeat.seconds",
        Long.toString(options.failureDetectionTimeout().toSeconds()));
    FailureDetectors.apply(config, options);
    // A write waits for its backups until they answer or the member holding them has left this
    // member's view, never
    // just for a fixed 5 s (Hazelcast's default) that is shorter than failure detection: see
    // ClusterOptions.
    config.setProperty(
        "hazelcast.operation.backup.timeout.millis",
        Long.toString(options.backupTimeout().toMillis()));
    // An edge holds sockets, not data: as a lite member it owns no partition, so its hang or death
    // stalls no
    // registry, presence or history operation and moves no partition.
    config.setLiteMember(options.liteMember());
    MeshStructures.declare(config, options);
    // Heal split brains quickly instead of after the default 5 minutes.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
    WireSerializers.refuseJavaSerialization(config.getSerializationConfig());
    // The maps and serializers of the cluster state on this member's classpath (ClusterStateHook).
    for (ClusterStateHook hook :
        ServiceLoader.load(ClusterStateHook.class, MeshCluster.class.getClassLoader())) {
      hook.configure(config, options);
    }

    NetworkConfig network = config.getNetworkConfig();
    network
        .setPort(options.port())
        .setPortAutoIncrement(options.portAutoIncrement())
        .setPortCount(100);
    network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(options.host()));
    network.setPublicAddress(null);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    switch (options.join().method()) {
      case TCP ->
          join.getTcpIpConfig()
              .setEnabled(true)
              .setMembers(options.members())
              .setConnectionTimeoutSeconds(1);
      case KUBERNETES -> {
        // DNS lookup mode: only service-dns (and the port) are set, so Hazelcast never calls the
        // Kubernetes API.
        join.getTcpIpConfig().setEnabled(false);
        // Hazelcast's discovery joiner looks the members up only during this wait: at 0 (the TCP-IP
        // setting above) a
        // new pod never tried the members it found and started a cluster of its own, merged 10 s
        // later.
        config.setProperty(
            "hazelcast.wait.seconds.before.join",
            Long.toString(KUBERNETES_DISCOVERY_WAIT.toSeconds()));
        join.getKubernetesConfig()
            .setEnabled(true)
            .setProperty("service-dns", options.join().serviceDns())
            .setProperty("service-port", Integer.toString(options.join().servicePort()));
      }
      default -> throw new IllegalStateException("unknown join method " + options.join().method());
    }
    return config;
  }
}
