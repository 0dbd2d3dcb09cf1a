package dev.mesh.connection.edge;

import dev.mesh.connection.auth.AuthOptions;
import dev.mesh.connection.session.LimitOptions;
import java.time.Duration;

/**
 * The part of the service's configuration that the edge's parts read while connections live. The
 * service's own options ({@code ConnectionOptions}) hold this and the wiring (ports, loops, doors);
 * handing down only this slice keeps the edge, and what it is handed to, free of the service root.
 *
 * @param auth token refresh windows and origins (see {@link AuthOptions})
 * @param limits per-connection, per-user and per-node limits (see {@link LimitOptions})
 * @param heartbeatInterval how often the server pings a quiet socket
 * @param heartbeatTimeout silence past interval + timeout is a zombie
 * @param shutdownSpread window over which the retry hints given at shutdown are spread
 * @param quorumLossGrace how long a loss of quorum must last before the open sockets are closed
 */
public record EdgeOptions(
    AuthOptions auth,
    LimitOptions limits,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration shutdownSpread,
    Duration quorumLossGrace) {}
