package dev.mesh.common.cluster;

import dev.mesh.common.config.Env;
import java.time.Duration;
import java.util.List;

/**
 * How a node joins the Mesh cluster. Every field has an environment variable (see README
 * "Configuration"):
 *
 * @param clusterName {@code MESH_CLUSTER_NAME}: nodes join only a cluster of the same name
 * @param members {@code MESH_CLUSTER_MEMBERS}: comma-separated hosts or host:port to join over
 *     TCP-IP
 * @param host {@code MESH_CLUSTER_HOST}: interface Hazelcast binds to and advertises
 * @param port {@code MESH_CLUSTER_PORT}: first Hazelcast port tried
 * @param portAutoIncrement {@code MESH_CLUSTER_PORT_AUTO_INCREMENT}: try the next ports when taken
 * @param busHost {@code MESH_BUS_HOST}: interface the event bus binds to
 * @param busPublicHost {@code MESH_BUS_PUBLIC_HOST}: address other nodes use to reach this event
 *     bus
 * @param busPort {@code MESH_BUS_PORT}: event-bus port, 0 for any free port
 * @param heartbeatInterval {@code MESH_CLUSTER_HEARTBEAT}: Hazelcast member heartbeat interval
 *     (whole seconds)
 * @param failureDetectionTimeout {@code MESH_CLUSTER_FAILURE_TIMEOUT}: a member silent this long is
 *     removed (whole seconds)
 * @param liteMember {@code MESH_CLUSTER_LITE_MEMBER}: join as a Hazelcast lite member, which owns
 *     no partition (connection-service by default: an edge holds sockets, not data, so a hung or
 *     killed edge blocks no map operation and causes no migration)
 * @param minDataMembers {@code MESH_CLUSTER_MIN_MEMBERS}: data (non-lite) members a side of a split
 *     needs to read or write Mesh's structures; 1 turns split-brain protection off
 * @param failureDetector {@code MESH_CLUSTER_FAILURE_DETECTOR}: deadline or phi-accrual
 * @param join {@code MESH_CLUSTER_JOIN} and its settings: how members find each other (TCP-IP list
 *     or Kubernetes DNS lookup), see {@link ClusterJoin}
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
    Duration failureDetectionTimeout,
    boolean liteMember,
    int minDataMembers,
    FailureDetector failureDetector,
    ClusterJoin join) {

  public static final String DEFAULT_CLUSTER_NAME = "mesh";
  public static final List<String> DEFAULT_MEMBERS = List.of("127.0.0.1");
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;
  public static final boolean DEFAULT_PORT_AUTO_INCREMENT = true;
  public static final int DEFAULT_BUS_PORT = 0;
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_FAILURE_DETECTION_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Data members by default; connection-service passes {@code true} (see {@link #fromEnv(Env,
   * boolean)}).
   */
  public static final boolean DEFAULT_LITE_MEMBER = false;

  /**
   * Off: {@code ./mesh run} has two data members, and a split of two cannot be told from a failure.
   */
  public static final int DEFAULT_MIN_DATA_MEMBERS = 1;

  public static final FailureDetector DEFAULT_FAILURE_DETECTOR = FailureDetector.DEADLINE;

  public ClusterOptions {
    members = List.copyOf(members);
    java.util.Objects.requireNonNull(join, "join");
    if (heartbeatInterval.toSeconds() < 1
        || failureDetectionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "failure-detection timeout must be at least twice the heartbeat interval (>= 1s)");
    }
    if (minDataMembers < 1) {
      throw new IllegalArgumentException("minDataMembers must be at least 1");
    }
    if (failureDetector == null) {
      throw new IllegalArgumentException("failureDetector is required");
    }
  }

  public static ClusterOptions defaults() {
    return new ClusterOptions(
        DEFAULT_CLUSTER_NAME,
        DEFAULT_MEMBERS,
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_PORT_AUTO_INCREMENT,
        DEFAULT_HOST,
        DEFAULT_HOST,
        DEFAULT_BUS_PORT,
        DEFAULT_HEARTBEAT_INTERVAL,
        DEFAULT_FAILURE_DETECTION_TIMEOUT,
        DEFAULT_LITE_MEMBER,
        DEFAULT_MIN_DATA_MEMBERS,
        DEFAULT_FAILURE_DETECTOR,
        ClusterJoin.tcp());
  }

  /**
   * Reads every {@code MESH_CLUSTER_*} and {@code MESH_BUS_*} variable, for a data member by
   * default.
   */
  public static ClusterOptions fromEnv(Env env) {
    return fromEnv(env, DEFAULT_LITE_MEMBER);
  }

  /**
   * Reads every {@code MESH_CLUSTER_*} and {@code MESH_BUS_*} variable; problems are collected in
   * {@code env}. {@code defaultLiteMember} is the service's default for {@code
   * MESH_CLUSTER_LITE_MEMBER}.
   */
  public static ClusterOptions fromEnv(Env env, boolean defaultLiteMember) {
    String host = env.string("MESH_CLUSTER_HOST", DEFAULT_HOST);
    String hostProblem = hostProblem(host);
    if (hostProblem != null) {
      env.reject("MESH_CLUSTER_HOST=" + host + ": " + hostProblem);
    }
    String busHost = env.string("MESH_BUS_HOST", host);
    int port = env.integer("MESH_CLUSTER_PORT", DEFAULT_PORT, 1, 65535);
    Duration heartbeat =
        env.duration(
            "MESH_CLUSTER_HEARTBEAT",
            DEFAULT_HEARTBEAT_INTERVAL,
            Duration.ofSeconds(1),
            Duration.ofMinutes(1));
    Duration failure =
        env.duration(
            "MESH_CLUSTER_FAILURE_TIMEOUT",
            DEFAULT_FAILURE_DETECTION_TIMEOUT,
            Duration.ofSeconds(2),
            Duration.ofMinutes(10));
    if (failure.compareTo(heartbeat.multipliedBy(2)) < 0) {
      env.reject(
          "MESH_CLUSTER_FAILURE_TIMEOUT="
              + failure.toSeconds()
              + "s: must be at least twice MESH_CLUSTER_HEARTBEAT ("
              + heartbeat.toSeconds()
              + "s)");
      failure = heartbeat.multipliedBy(2);
    }
    String detectorName =
        env.string("MESH_CLUSTER_FAILURE_DETECTOR", DEFAULT_FAILURE_DETECTOR.wireName());
    FailureDetector detector = FailureDetector.named(detectorName);
    if (detector == null) {
      env.reject(
          "MESH_CLUSTER_FAILURE_DETECTOR=" + detectorName + ": must be deadline or phi-accrual");
      detector = DEFAULT_FAILURE_DETECTOR;
    }
    return new ClusterOptions(
        env.string("MESH_CLUSTER_NAME", DEFAULT_CLUSTER_NAME),
        env.list("MESH_CLUSTER_MEMBERS", DEFAULT_MEMBERS),
        host,
        port,
        env.bool("MESH_CLUSTER_PORT_AUTO_INCREMENT", DEFAULT_PORT_AUTO_INCREMENT),
        busHost,
        env.string("MESH_BUS_PUBLIC_HOST", busHost),
        env.port("MESH_BUS_PORT", DEFAULT_BUS_PORT),
        heartbeat,
        failure,
        env.bool("MESH_CLUSTER_LITE_MEMBER", defaultLiteMember),
        env.integer("MESH_CLUSTER_MIN_MEMBERS", DEFAULT_MIN_DATA_MEMBERS, 1, 1000),
        detector,
        join(env, host, port));
  }

  /**
   * {@code MESH_CLUSTER_JOIN} ({@code tcp}, the default, or {@code kubernetes}) and the settings of
   * the method chosen; a setting of the other method is refused rather than silently ignored.
   */
  private static ClusterJoin join(Env env, String host, int hazelcastPort) {
    String method =
        env.string("MESH_CLUSTER_JOIN", ClusterJoin.Method.TCP.configName())
            .toLowerCase(java.util.Locale.ROOT);
    String serviceDns = env.string("MESH_CLUSTER_KUBERNETES_SERVICE_DNS", null);
    int servicePort = env.port("MESH_CLUSTER_KUBERNETES_SERVICE_PORT", 0);
    boolean kubernetesSettings = serviceDns != null || servicePort != 0;
    if (method.equals(ClusterJoin.Method.TCP.configName())) {
      if (kubernetesSettings) {
        env.reject(
            "MESH_CLUSTER_KUBERNETES_SERVICE_DNS and MESH_CLUSTER_KUBERNETES_SERVICE_PORT apply only with "
                + "MESH_CLUSTER_JOIN=kubernetes (it is tcp)");
      }
      return ClusterJoin.tcp();
    }
    if (!method.equals(ClusterJoin.Method.KUBERNETES.configName())) {
      env.reject("MESH_CLUSTER_JOIN=" + method + ": must be tcp or kubernetes");
      return ClusterJoin.tcp();
    }
    if (env.string("MESH_CLUSTER_MEMBERS", null) != null) {
      env.reject(
          "MESH_CLUSTER_MEMBERS applies only with MESH_CLUSTER_JOIN=tcp; with kubernetes the members are the "
              + "addresses behind MESH_CLUSTER_KUBERNETES_SERVICE_DNS");
    }
    if (isLoopback(host)) {
      env.reject(
          "MESH_CLUSTER_JOIN=kubernetes needs MESH_CLUSTER_HOST set to the pod's own address (status.podIP), "
              + "not "
              + host
              + ": other pods cannot reach a loopback address");
    }
    if (serviceDns == null) {
      env.reject(
          "MESH_CLUSTER_JOIN=kubernetes needs MESH_CLUSTER_KUBERNETES_SERVICE_DNS, the DNS name of a headless "
              + "service selecting every Mesh pod (e.g. mesh-cluster.mesh.svc.cluster.local)");
      return ClusterJoin.tcp();
    }
    return ClusterJoin.kubernetes(serviceDns, servicePort != 0 ? servicePort : hazelcastPort);
  }

  /**
   * Why {@code host} cannot be MESH_CLUSTER_HOST, or null: Hazelcast binds to exactly that
   * interface address and announces it to the other members, so it must be one concrete IP address
   * (no name, no wildcard).
   */
  static String hostProblem(String host) {
    boolean ipv4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean ipv6 = host.contains(":") && host.matches("[0-9a-fA-F:.]+");
    if (!ipv4 && !ipv6) {
      return "must be an IP address of this host (Hazelcast matches it against the network interfaces), not a name";
    }
    if (host.equals("0.0.0.0") || host.matches("[0:]+")) {
      return "must be the one address of this host that the other members can reach: Hazelcast announces it. To "
          + "accept event-bus connections on every interface, set MESH_BUS_HOST=0.0.0.0 and MESH_BUS_PUBLIC_HOST";
    }
    return null;
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  public ClusterOptions withClusterName(String value) {
    return new ClusterOptions(
        value,
        members,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        minDataMembers,
        failureDetector,
        join);
  }

  public ClusterOptions withPort(int value) {
    return new ClusterOptions(
        clusterName,
        members,
        host,
        value,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        minDataMembers,
        failureDetector,
        join);
  }

  public ClusterOptions withMembers(List<String> value) {
    return new ClusterOptions(
        clusterName,
        value,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        minDataMembers,
        failureDetector,
        join);
  }

  public ClusterOptions withFailureDetection(Duration heartbeat, Duration timeout) {
    return new ClusterOptions(
        clusterName,
        members,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeat,
        timeout,
        liteMember,
        minDataMembers,
        failureDetector,
        join);
  }

  /**
   * The same options bound to, and advertising, {@code value} for both Hazelcast and the event bus.
   */
  public ClusterOptions withHost(String value) {
    return new ClusterOptions(
        clusterName,
        members,
        value,
        port,
        portAutoIncrement,
        value,
        value,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        minDataMembers,
        failureDetector,
        join);
  }

  /** The same options for a lite member (true) or a data member (false). */
  public ClusterOptions withLiteMember(boolean value) {
    return new ClusterOptions(
        clusterName,
        members,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        value,
        minDataMembers,
        failureDetector,
        join);
  }

  public ClusterOptions withMinDataMembers(int value) {
    return new ClusterOptions(
        clusterName,
        members,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        value,
        failureDetector,
        join);
  }

  public ClusterOptions withFailureDetector(FailureDetector value) {
    return new ClusterOptions(
        clusterName,
        members,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        minDataMembers,
        value,
        join);
  }

  /**
   * How long a write waits for its backups before Hazelcast completes it anyway: past the failure
   * timeout, so that a write whose backup went to an unreachable member completes only after that
   * member left this member's view, and the writer's quorum check then sees the loss
   * (docs/MEMBERSHIP.md "acknowledged means durable").
   */
  public Duration backupTimeout() {
    return failureDetectionTimeout.plusSeconds(5);
  }

  /**
   * The strict majority of {@code dataMembers}: the smallest {@link #minDataMembers} that rules out
   * two live sides.
   */
  public static int majorityOf(int dataMembers) {
    return dataMembers / 2 + 1;
  }

  public ClusterOptions withJoin(ClusterJoin value) {
    return new ClusterOptions(
        clusterName,
        members,
        host,
        port,
        portAutoIncrement,
        busHost,
        busPublicHost,
        busPort,
        heartbeatInterval,
        failureDetectionTimeout,
        liteMember,
        minDataMembers,
        failureDetector,
        value);
  }
}
