package dev.mesh.common.cluster;

import dev.mesh.common.config.Env;

import java.time.Duration;
import java.util.List;

/**
 * How a node joins the Mesh cluster. Every field has an environment variable (see README "Configuration"):
 *
 * @param clusterName            {@code MESH_CLUSTER_NAME}: nodes join only a cluster of the same name
 * @param members                {@code MESH_CLUSTER_MEMBERS}: comma-separated hosts or host:port to join over TCP-IP
 * @param host                   {@code MESH_CLUSTER_HOST}: interface Hazelcast binds to and advertises
 * @param port                   {@code MESH_CLUSTER_PORT}: first Hazelcast port tried
 * @param portAutoIncrement      {@code MESH_CLUSTER_PORT_AUTO_INCREMENT}: try the next ports when taken
 * @param busHost                {@code MESH_BUS_HOST}: interface the event bus binds to
 * @param busPublicHost          {@code MESH_BUS_PUBLIC_HOST}: address other nodes use to reach this event bus
 * @param busPort                {@code MESH_BUS_PORT}: event-bus port, 0 for any free port
 * @param heartbeatInterval      {@code MESH_CLUSTER_HEARTBEAT}: Hazelcast member heartbeat interval (whole seconds)
 * @param failureDetectionTimeout {@code MESH_CLUSTER_FAILURE_TIMEOUT}: a member silent this long is removed (whole seconds)
 */
public record ClusterOptions(
    String clusterName,
    List<String> members,
    String host,
    int port,
    boolean portAutoIncrement,
    String busHost,
    String busPublicHost,
    int busPort,
    Duration heartbeatInterval,
    Duration failureDetectionTimeout) {

  public static final String DEFAULT_CLUSTER_NAME = "mesh";
  public static final List<String> DEFAULT_MEMBERS = List.of("127.0.0.1");
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;
  public static final boolean DEFAULT_PORT_AUTO_INCREMENT = true;
  public static final int DEFAULT_BUS_PORT = 0;
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_FAILURE_DETECTION_TIMEOUT = Duration.ofSeconds(10);

  public ClusterOptions {
    members = List.copyOf(members);
    if (heartbeatInterval.toSeconds() < 1 || failureDetectionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("failure-detection timeout must be at least twice the heartbeat interval (>= 1s)");
    }
  }

  public static ClusterOptions defaults() {
    return new ClusterOptions(DEFAULT_CLUSTER_NAME, DEFAULT_MEMBERS, DEFAULT_HOST, DEFAULT_PORT,
        DEFAULT_PORT_AUTO_INCREMENT, DEFAULT_HOST, DEFAULT_HOST, DEFAULT_BUS_PORT, DEFAULT_HEARTBEAT_INTERVAL,
        DEFAULT_FAILURE_DETECTION_TIMEOUT);
  }

  /** Reads every {@code MESH_CLUSTER_*} and {@code MESH_BUS_*} variable; problems are collected in {@code env}. */
  public static ClusterOptions fromEnv(Env env) {
    String host = env.string("MESH_CLUSTER_HOST", DEFAULT_HOST);
    String busHost = env.string("MESH_BUS_HOST", host);
    Duration heartbeat = env.duration("MESH_CLUSTER_HEARTBEAT", DEFAULT_HEARTBEAT_INTERVAL,
        Duration.ofSeconds(1), Duration.ofMinutes(1));
    Duration failure = env.duration("MESH_CLUSTER_FAILURE_TIMEOUT", DEFAULT_FAILURE_DETECTION_TIMEOUT,
        Duration.ofSeconds(2), Duration.ofMinutes(10));
    if (failure.compareTo(heartbeat.multipliedBy(2)) < 0) {
      env.reject("MESH_CLUSTER_FAILURE_TIMEOUT=" + failure.toSeconds() + "s: must be at least twice MESH_CLUSTER_HEARTBEAT ("
          + heartbeat.toSeconds() + "s)");
      failure = heartbeat.multipliedBy(2);
    }
    return new ClusterOptions(
        env.string("MESH_CLUSTER_NAME", DEFAULT_CLUSTER_NAME),
        env.list("MESH_CLUSTER_MEMBERS", DEFAULT_MEMBERS),
        host,
        env.integer("MESH_CLUSTER_PORT", DEFAULT_PORT, 1, 65535),
        env.bool("MESH_CLUSTER_PORT_AUTO_INCREMENT", DEFAULT_PORT_AUTO_INCREMENT),
        busHost,
        env.string("MESH_BUS_PUBLIC_HOST", busHost),
        env.port("MESH_BUS_PORT", DEFAULT_BUS_PORT),
        heartbeat,
        failure);
  }

  public ClusterOptions withClusterName(String value) {
    return new ClusterOptions(value, members, host, port, portAutoIncrement, busHost, busPublicHost, busPort,
        heartbeatInterval, failureDetectionTimeout);
  }

  public ClusterOptions withPort(int value) {
    return new ClusterOptions(clusterName, members, host, value, portAutoIncrement, busHost, busPublicHost, busPort,
        heartbeatInterval, failureDetectionTimeout);
  }

  public ClusterOptions withMembers(List<String> value) {
    return new ClusterOptions(clusterName, value, host, port, portAutoIncrement, busHost, busPublicHost, busPort,
        heartbeatInterval, failureDetectionTimeout);
  }

  public ClusterOptions withFailureDetection(Duration heartbeat, Duration timeout) {
    return new ClusterOptions(clusterName, members, host, port, portAutoIncrement, busHost, busPublicHost, busPort,
        heartbeat, timeout);
  }
}
