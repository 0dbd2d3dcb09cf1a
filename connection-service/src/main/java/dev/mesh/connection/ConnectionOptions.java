package dev.mesh.connection;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.connection.admission.AdmissionOptions;
import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.http.DoorOptions;
import dev.mesh.connection.session.LimitOptions;

import java.time.Duration;

/**
 * Configuration of connection-service (README "Configuration" lists every variable and default).
 *
 * @param service           cluster, ops port (default {@value #DEFAULT_OPS_PORT}) and shutdown timeout
 * @param httpHost          {@code MESH_HTTP_HOST}, default {@value #DEFAULT_HTTP_HOST}: interface of the public server
 * @param httpPort          {@code MESH_HTTP_PORT}, default {@value #DEFAULT_HTTP_PORT}: WebSocket, SSE, client, demo
 * @param heartbeatInterval {@code MESH_HEARTBEAT_INTERVAL}, default 25s: how often the server pings a quiet socket
 * @param heartbeatTimeout  {@code MESH_HEARTBEAT_TIMEOUT}, default 10s: silence past interval + timeout is a zombie
 * @param shutdownSpread    {@code MESH_SHUTDOWN_SPREAD}, default 5s: window over which retry-after hints given to
 *                          clients at shutdown are spread, so they do not all come back at once
 * @param auth              see {@link AuthOptions}
 * @param limits            see {@link LimitOptions}
 * @param doors             see {@link DoorOptions}: per-address rates, trusted proxies, request deadlines
 * @param registryCheck     {@code MESH_REGISTRY_CHECK_INTERVAL}, default 10s: how often this node compares its sockets
 *                          with its registry entries (re-registers a live connection whose entry went missing,
 *                          removes an entry without a socket) and updates the ghost gauge
 * @param admission         see {@link AdmissionOptions}: how fast new connections are taken on, and the retry hints
 *                          of the others
 * @param quorumLossGrace   {@code MESH_QUORUM_LOSS_GRACE}, default 3s: how long a loss of quorum must last before the
 *                          open sockets are closed with 1001 (new connections are refused and /ready answers 503 at
 *                          once). A member's heartbeats can go uncredited for a moment while a new master takes over;
 *                          closing every socket for that would move every client for nothing. A loss caused by this
 *                          node's own pause closes at once: its sockets are stale. 0 closes at once.
 */
public record ConnectionOptions(
    ServiceOptions service,
    String httpHost,
    int httpPort,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration shutdownSpread,
    AuthOptions auth,
    LimitOptions limits,
    DoorOptions doors,
    Duration registryCheck,
    AdmissionOptions admission,
    Duration quorumLossGrace) {

  public static final int DEFAULT_OPS_PORT = 9080;
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(25);
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_SHUTDOWN_SPREAD = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REGISTRY_CHECK = Duration.ofSeconds(10);
  public static final Duration DEFAULT_QUORUM_LOSS_GRACE = Duration.ofSeconds(3);

  /** Reads the environment; call {@link Env#validate()} afterwards to fail on any invalid value. */
  public static ConnectionOptions fromEnv(Env env) {
    return new ConnectionOptions(
        // An edge holds sockets, not data: a lite member by default (docs/MEMBERSHIP.md).
        ServiceOptions.fromEnv(env, DEFAULT_OPS_PORT, true),
        env.string("MESH_HTTP_HOST", DEFAULT_HTTP_HOST),
        env.port("MESH_HTTP_PORT", DEFAULT_HTTP_PORT),
        env.duration("MESH_HEARTBEAT_INTERVAL", DEFAULT_HEARTBEAT_INTERVAL, Duration.ofMillis(10), Duration.ofMinutes(10)),
        env.duration("MESH_HEARTBEAT_TIMEOUT", DEFAULT_HEARTBEAT_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(10)),
        env.duration("MESH_SHUTDOWN_SPREAD", DEFAULT_SHUTDOWN_SPREAD, Duration.ZERO, Duration.ofMinutes(10)),
        AuthOptions.fromEnv(env),
        LimitOptions.fromEnv(env),
        DoorOptions.fromEnv(env),
        env.duration("MESH_REGISTRY_CHECK_INTERVAL", DEFAULT_REGISTRY_CHECK, Duration.ofMillis(100), Duration.ofHours(1)),
        AdmissionOptions.fromEnv(env),
        env.duration("MESH_QUORUM_LOSS_GRACE", DEFAULT_QUORUM_LOSS_GRACE, Duration.ZERO, Duration.ofMinutes(5)));
  }

  /** For tests: the given service and auth options, any free public port on loopback, default limits. */
  public static ConnectionOptions forTest(ServiceOptions service, AuthOptions auth) {
    return new ConnectionOptions(service, DEFAULT_HTTP_HOST, 0, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_TIMEOUT,
        Duration.ofMillis(200), auth, LimitOptions.defaults(), DoorOptions.forTest(), Duration.ofSeconds(1),
        AdmissionOptions.defaults(), DEFAULT_QUORUM_LOSS_GRACE);
  }

  public ConnectionOptions withHeartbeat(Duration interval, Duration timeout) {
    return new ConnectionOptions(service, httpHost, httpPort, interval, timeout, shutdownSpread, auth, limits, doors,
        registryCheck, admission, quorumLossGrace);
  }

  public ConnectionOptions withLimits(LimitOptions value) {
    return new ConnectionOptions(service, httpHost, httpPort, heartbeatInterval, heartbeatTimeout, shutdownSpread,
        auth, value, doors, registryCheck, admission, quorumLossGrace);
  }

  /** The same options on another public port (a node that rejoins the cluster keeps the port it bound). */
  public ConnectionOptions withHttpPort(int value) {
    return new ConnectionOptions(service, httpHost, value, heartbeatInterval, heartbeatTimeout, shutdownSpread, auth,
        limits, doors, registryCheck, admission, quorumLossGrace);
  }

  public ConnectionOptions withRegistryCheck(Duration value) {
    return new ConnectionOptions(service, httpHost, httpPort, heartbeatInterval, heartbeatTimeout, shutdownSpread, auth,
        limits, doors, value, admission, quorumLossGrace);
  }

  public ConnectionOptions withAuth(AuthOptions value) {
    return new ConnectionOptions(service, httpHost, httpPort, heartbeatInterval, heartbeatTimeout, shutdownSpread,
        value, limits, doors, registryCheck, admission, quorumLossGrace);
  }

  public ConnectionOptions withDoors(DoorOptions value) {
    return new ConnectionOptions(service, httpHost, httpPort, heartbeatInterval, heartbeatTimeout, shutdownSpread,
        auth, limits, value, registryCheck, admission, quorumLossGrace);
  }

  public ConnectionOptions withAdmission(AdmissionOptions value) {
    return new ConnectionOptions(service, httpHost, httpPort, heartbeatInterval, heartbeatTimeout, shutdownSpread,
        auth, limits, doors, registryCheck, value, quorumLossGrace);
  }

  public ConnectionOptions withQuorumLossGrace(Duration value) {
    return new ConnectionOptions(service, httpHost, httpPort, heartbeatInterval, heartbeatTimeout, shutdownSpread,
        auth, limits, doors, registryCheck, admission, value);
  }
}
