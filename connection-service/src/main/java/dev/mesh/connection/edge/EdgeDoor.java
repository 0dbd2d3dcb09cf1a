package dev.mesh.connection.edge;

import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.protocol.Position;
import dev.mesh.connection.admission.Admission;
import dev.mesh.connection.auth.VerifiedToken;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryClient;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.SessionTransport;
import io.vertx.core.Future;

/**
 * One event loop of the edge as its endpoints (WebSocket, SSE) see it: whether a new connection may
 * come in, admitting it, and handing over what its client sends. The endpoints own the HTTP side;
 * everything behind the door is the edge's.
 */
public interface EdgeDoor {

  /** Limits and allowed origins. */
  EdgeOptions options();

  ConnectionMetrics metrics();

  /** Whether the node is shutting down: new connections are refused. */
  boolean draining();

  /** Why this node is cut off from the cluster, or null while it has quorum. */
  String quorumProblem();

  /** The retry hint (ms) given to a client refused while the node is cut off. */
  long cutOffHint();

  /** The gate new connections pass before anything is spent on them (PROTOCOL 1.2 step 3b). */
  Admission admission();

  /** This node's id, part of every connection's identity. */
  String nodeId();

  /**
   * Admits an authenticated connection; the future completes with the open session, or fails when
   * the connection was refused (the client has been told why).
   */
  Future<Session> admit(
      ConnectionIdentity identity, long attempt, SessionTransport transport, VerifiedToken token);

  /** A text frame from the client. */
  void onText(Session session, String text);

  /** A binary frame from the client (refused: the protocol is text). */
  void onBinary(Session session);

  /** A subscription named in an SSE stream's URL. */
  void subscribeFromUrl(Session session, String channel, Position from, boolean presence);

  /**
   * Closes, without a goodbye, a session the endpoint found broken (a frame too large, a broken
   * framing).
   */
  void closeWithoutGoodbye(Session session, Disconnect disconnect);

  /** The registry, to find the node that holds the stream an SSE POST is for. */
  RegistryClient registry();
}
