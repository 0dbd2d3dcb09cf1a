package dev.mesh.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.mesh.common.bus.MeshCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Starts a clustered Vert.x node on Hazelcast with the Mesh codec registered, so that nothing can be sent before
 * every Mesh message type can be encoded.
 */
public final class MeshCluster {

  /**
   * How long a member joining through Kubernetes DNS lookup keeps looking for other members before it starts a cluster
   * of its own: only the first pod of a new cluster waits it out (the DNS name lists only itself).
   */
  public static final java.time.Duration KUBERNETES_DISCOVERY_WAIT = java.time.Duration.ofSeconds(5);

  private MeshCluster() {
  }

  /** Starts a node; {@code metrics} may be null to run without Vert.x metrics (some tests). */
  public static Future<MeshNode> start(ClusterOptions options, MeterRegistry metrics) {
    return start(options, BusTlsOptions.off(), metrics);
  }

  /** Starts a node whose event bus uses {@code busTls} (mutual TLS when enabled). */
  public static Future<MeshNode> start(ClusterOptions options, BusTlsOptions busTls, MeterRegistry metrics) {
    String notLocal = notALocalAddress(options.host());
    if (notLocal != null) {
      return Future.failedFuture(new IllegalArgumentException(notLocal));
    }
    if (options.join().method() == ClusterJoin.Method.KUBERNETES
        && java.security.Security.getProperty("networkaddress.cache.ttl") == null) {
      // The JVM caches a lookup for 30 s by default: a pod that first saw only itself would keep seeing only itself
      // for the whole discovery wait. Effective only before the first lookup of the process, which is the case here.
      java.security.Security.setProperty("networkaddress.cache.ttl", "1");
    }
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcastConfig(options));
    VertxOptions vertxOptions = new VertxOptions()
        .setEventBusOptions(busTls.apply(new EventBusOptions()
            .setHost(options.busHost())
            .setClusterPublicHost(options.busPublicHost())
            .setPort(options.busPort())));
    var builder = Vertx.builder().withClusterManager(clusterManager);
    if (metrics != null) {
      vertxOptions.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
      builder.withMetrics(new MicrometerMetricsFactory(metrics));
    }
    return builder.with(vertxOptions).buildClustered().map(vertx -> {
      MeshCodec.register(vertx.eventBus());
      return new MeshNode(vertx, clusterManager.getHazelcastInstance(), clusterManager.getNodeId());
    });
  }

  /**
   * Why Hazelcast could not bind to {@code host} on this machine, in Mesh's terms, or null. (Hazelcast's own message
   * speaks of its interface configuration, which a Mesh user never wrote.)
   */
  static String notALocalAddress(String host) {
    try {
      java.net.InetAddress address = java.net.InetAddress.getByName(host);
      if (java.net.NetworkInterface.getByInetAddress(address) != null) {
        return null;
      }
      java.util.List<String> local = new java.util.ArrayList<>();
      for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
        nic.inetAddresses().map(java.net.InetAddress::getHostAddress).filter(a -> !a.contains("%")).forEach(local::add);
      }
      return "MESH_CLUSTER_HOST=" + host + " is not an address of this host (its addresses: " + String.join(", ", local)
          + "): set it to the address the other members reach this host at";
    } catch (java.io.IOException e) {
      return "MESH_CLUSTER_HOST=" + host + ": " + e.getMessage();
    }
  }

  /**
   * The Hazelcast configuration Mesh uses: Vert.x's required structures plus TCP-IP join or Kubernetes DNS discovery
   * ({@link ClusterJoin}), tuned for fast joins.
   */
  public static Config hazelcastConfig(ClusterOptions options) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(options.clusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Mesh shuts Hazelcast down itself, after its sockets are closed and its registry entries are removed.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.tcp.join.port.try.count", "10");
    config.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(options.heartbeatInterval().toSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(options.failureDetectionTimeout().toSeconds()));
    // Heal split brains quickly instead of after the default 5 minutes.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "10");

    dev.mesh.common.registry.RegistrySerializers.register(config.getSerializationConfig());
    dev.mesh.common.replay.store.ReplaySerializers.register(config.getSerializationConfig());

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(options.port()).setPortAutoIncrement(options.portAutoIncrement()).setPortCount(100);
    network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(options.host()));
    network.setPublicAddress(null);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    switch (options.join().method()) {
      case TCP -> join.getTcpIpConfig().setEnabled(true).setMembers(options.members()).setConnectionTimeoutSeconds(1);
      case KUBERNETES -> {
        // DNS lookup mode: only service-dns (and the port) are set, so Hazelcast never calls the Kubernetes API.
        join.getTcpIpConfig().setEnabled(false);
        // Hazelcast's discovery joiner looks the members up only during this wait: at 0 (the TCP-IP setting above) a
        // new pod never tried the members it found and started a cluster of its own, merged 10 s later.
        config.setProperty("hazelcast.wait.seconds.before.join", Long.toString(KUBERNETES_DISCOVERY_WAIT.toSeconds()));
        join.getKubernetesConfig().setEnabled(true)
            .setProperty("service-dns", options.join().serviceDns())
            .setProperty("service-port", Integer.toString(options.join().servicePort()));
      }
      default -> throw new IllegalStateException("unknown join method " + options.join().method());
    }
    return config;
  }
}
