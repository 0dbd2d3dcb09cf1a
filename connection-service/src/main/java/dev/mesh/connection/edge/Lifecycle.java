package dev.mesh.connection.edge;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.observe.LogContext;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.routing.CloseConnections;
import dev.mesh.connection.auth.ChannelAuthorizer;
import dev.mesh.connection.auth.VerifiedToken;
import dev.mesh.connection.lifecycle.ConnectionEvents;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryClient;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.SessionIndex;
import dev.mesh.connection.session.SessionTransport;
import dev.mesh.connection.session.Subscription;
import dev.mesh.connection.session.WelcomeFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening and closing connections (docs/PROTOCOL.md §1.2, §5). A connection is registered before it
 * is open, and on close its registry entry, subscriptions and timers go at once, whatever closed
 * it. Refusals after the upgrade are close codes (a browser cannot read an HTTP status), and a
 * refused connection was never open: no events.
 */
public final class Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private final EdgeOptions options;
  private final MeshNode node;
  private final EdgeNode shared;
  private final Vertx vertx;
  private final SessionIndex sessions;
  private final Predicate<Session> track;
  private final Consumer<Session> untrack;
  private final ChannelAuthorizer authorizer;
  private final RegistryClient registry;
  private final ConnectionEvents events;
  private final ConnectionMetrics metrics;
  private final Outbound outbound;
  private final BiConsumer<Session, String> detach;
  private final Consumer<Session> scheduleTokenExpiry;
  private final WelcomeFrame welcomeFrame;

  /**
   * {@code track} and {@code untrack} count a session in and out of the node's limit and this
   * loop's index; {@code detach} (a session from a channel) and {@code scheduleTokenExpiry} reach
   * parts of the loop that are built after this one.
   */
  Lifecycle(
      EdgeOptions options,
      MeshNode node,
      EdgeNode shared,
      Vertx vertx,
      SessionIndex sessions,
      Predicate<Session> track,
      Consumer<Session> untrack,
      ChannelAuthorizer authorizer,
      RegistryClient registry,
      ConnectionEvents events,
      ConnectionMetrics metrics,
      Outbound outbound,
      BiConsumer<Session, String> detach,
      Consumer<Session> scheduleTokenExpiry) {
    this.options = options;
    this.node = node;
    this.shared = shared;
    this.vertx = vertx;
    this.sessions = sessions;
    this.track = track;
    this.untrack = untrack;
    this.authorizer = authorizer;
    this.registry = registry;
    this.events = events;
    this.metrics = metrics;
    this.outbound = outbound;
    this.detach = detach;
    this.scheduleTokenExpiry = scheduleTokenExpiry;
    this.welcomeFrame =
        new WelcomeFrame(options.heartbeatInterval(), options.heartbeatTimeout(), options.limits());
  }

  /**
   * Admits an authenticated connection: node limit, connect authorisation, registry (duplicate
   * page, user limit), then {@code welcome}. The future completes with the open session, or fails
   * when the connection was refused.
   */
  public Future<Session> admit(
      ConnectionIdentity identity, SessionTransport transport, VerifiedToken token) {
    return admit(identity, RegistryEntry.UNNUMBERED, transport, token);
  }

  /**
   * As {@link #admit(ConnectionIdentity, SessionTransport, VerifiedToken)}, for the client's {@code
   * attempt} of the page (PROTOCOL 1.3): a stale attempt (a newer one of the page is registered) is
   * refused with 4507.
   */
  public Future<Session> admit(
      ConnectionIdentity identity, long attempt, SessionTransport transport, VerifiedToken token) {
    long now = System.nanoTime();
    Session session = new Session(identity, attempt, transport, token, options.limits(), now);
    transport.onClosed(() -> peerClosed(session));
    transport.onDrained(() -> outbound.drained(session));
    if (transport.isClosed()) {
      // Gone during authentication (a client that gave up): its close handler will never run, so
      // admit nothing.
      session.closedBeforeOpen();
      return Future.failedFuture("closed before admission");
    }
    if (shared.draining()) {
      refuse(session, Disconnect.serverShutdown(retryHint()));
      return Future.failedFuture("draining");
    }
    String noQuorum = node.quorumProblem();
    if (noQuorum != null) {
      // This node cannot reach enough of the cluster to register the connection truthfully: the
      // client should try
      // again, and a balancer will pick a node whose /ready is 200.
      refuse(
          session,
          new Disconnect(
              CloseCode.NO_QUORUM,
              CloseReason.NETWORK_ERROR,
              "node is cut off from the cluster (" + noQuorum + ")",
              cutOffHint()));
      return Future.failedFuture("no quorum");
    }
    if (!track.test(session)) {
      // Every loop's sessions count: the limit is the node's.
      refuse(
          session,
          new Disconnect(
              CloseCode.NODE_FULL,
              CloseReason.POLICY,
              "node is full",
              ThreadLocalRandom.current().nextLong(1000, 5001)));
      return Future.failedFuture("node full");
    }
    return authorizer
        .connect(identity, token.claims())
        .compose(
            decision -> {
              if (!decision.allowed()) {
                untrack.accept(session);
                refuse(session, Disconnect.policy(CloseCode.FORBIDDEN, decision.reason()));
                return Future.failedFuture("forbidden");
              }
              RegistryEntry entry =
                  new RegistryEntry(
                      identity, transport.kind(), session.openedAt(), session.attempt());
              return registry.register(
                  entry, options.limits().maxConnectionsPerUser(), options.limits().closeOldest());
            })
        .compose(
            result -> {
              if (result.superseded()) {
                untrack.accept(session);
                refuse(
                    session,
                    new Disconnect(
                        CloseCode.STALE_ATTEMPT,
                        CloseReason.REPLACED,
                        "a newer attempt of this page is registered: this one is stale"));
                return Future.failedFuture("superseded");
              }
              if (!result.accepted()) {
                untrack.accept(session);
                refuse(
                    session,
                    Disconnect.policy(
                        CloseCode.TOO_MANY_CONNECTIONS,
                        "user has " + result.count() + " connections, the maximum"));
                return Future.failedFuture("too many connections");
              }
              if (shared.draining() && session.state() == Session.State.OPENING) {
                // The node began to drain (shutdown, rejoin) while this one was registering:
                // drainAll did not see it, as it was not open yet. Welcomed now, it would stay on a
                // node that is going away, unregistered by nobody, until the server closed it
                // without a goodbye. Undo it and send the client on, as drainAll does. (Checked
                // while still OPENING: a peer that left meanwhile takes the branch below.)
                untrack.accept(session);
                displace(result);
                // Sent before the goodbye: the page, told to go, is no longer in the registry.
                registry.unregisterNow(identity.userId(), identity.connectionId());
                refuse(session, Disconnect.serverShutdown(retryHint()));
                return Future.failedFuture("draining");
              }
              if (!session.opened()) {
                // The peer went away while we were registering: undo, but still close what the
                // registration displaced.
                displace(result);
                registry.unregister(identity.userId(), identity.connectionId());
                return Future.failedFuture("closed while opening");
              }
              welcome(session);
              displace(result);
              return Future.succeededFuture(session);
            })
        .onFailure(
            e -> {
              if (session.state() == Session.State.OPENING) {
                untrack.accept(session);
                refuse(
                    session,
                    new Disconnect(
                        CloseCode.INTERNAL_ERROR,
                        CloseReason.NETWORK_ERROR,
                        "cannot register: " + e.getMessage()));
              }
            });
  }

  /** Announces a connection that just opened and greets its client. */
  private void welcome(Session session) {
    ConnectionIdentity id = session.identity();
    events.opened(id, session.transport().kind(), session.openedAt());
    outbound.send(
        session,
        welcomeFrame.text(
            id.connectionId(), id.nodeId(), id.userId(), session.token().expiresAt()));
    scheduleTokenExpiry.accept(session);
  }

  /**
   * Closes connections the registry displaced: same page (4504) or the user's oldest (4503),
   * wherever they are.
   */
  public void displace(RegisterConnection.Result result) {
    for (RegistryEntry old : result.displaced()) {
      metrics.replaced.increment();
      closeAnywhere(old, Disconnect.replaced("replaced by a newer connection of this page"));
    }
    for (RegistryEntry old : result.evicted()) {
      closeAnywhere(
          old,
          Disconnect.policy(CloseCode.TOO_MANY_CONNECTIONS, "too many connections: oldest closed"));
    }
  }

  private void closeAnywhere(RegistryEntry entry, Disconnect disconnect) {
    if (entry.nodeId().equals(node.nodeId())) {
      // On this node: on whichever of its loops holds it.
      EdgeLoop owner = shared.owner(entry.connectionId());
      if (owner != null) {
        EdgeNode.on(
            owner,
            () -> {
              Session local = owner.session(entry.connectionId());
              if (local != null) {
                owner.close(local, disconnect);
              }
              return Future.succeededFuture();
            });
      }
    } else {
      vertx
          .eventBus()
          .request(
              Addresses.nodeInbox(entry.nodeId()),
              new CloseConnections(
                  List.of(entry.connectionId()),
                  disconnect.code().code(),
                  disconnect.reason(),
                  disconnect.retryAfterMs(),
                  disconnect.message()))
          .onFailure(
              e -> {
                try (var ignored =
                    LogContext.connection(entry.identity().userId(), entry.connectionId())) {
                  LOG.warn(
                      "event=remote-close-failed connection={} node={} cause=\"{}\"",
                      entry.connectionId(),
                      entry.nodeId(),
                      e.getMessage());
                }
              });
    }
  }

  /**
   * A refusal after the upgrade: goodbye (where useful) and close; nothing was registered or
   * announced.
   */
  private void refuse(Session session, Disconnect refusal) {
    session.closedBeforeOpen();
    metrics.refused(refusal.code());
    sendGoodbye(session, refusal);
    session.transport().close(refusal.code(), refusal.closeFrameReason());
    try (var ignored = LogContext.connection(session.userId(), session.id())) {
      LOG.info(
          "event=connection-refused user={} page={} code={} message=\"{}\"",
          session.userId(),
          session.identity().pageId(),
          refusal.code().code(),
          refusal.message());
    }
  }

  /**
   * Server-initiated close: goodbye, the close frame, then cleanup at once (the TCP connection may
   * take longer to go; the registry entry must not wait for it). Closing twice is harmless.
   */
  public void close(Session session, Disconnect disconnect) {
    if (session.beginClosing()) {
      sendGoodbye(session, disconnect);
      closeTransport(session, disconnect);
    }
  }

  /**
   * As {@link #close}, without a goodbye: for a socket that cannot carry one (a dead peer, a full
   * queue, broken framing) or a client that asked to close.
   */
  public void closeWithoutGoodbye(Session session, Disconnect disconnect) {
    if (session.beginClosing()) {
      closeTransport(session, disconnect);
    }
  }

  private void closeTransport(Session session, Disconnect disconnect) {
    session.transport().close(disconnect.code(), disconnect.closeFrameReason());
    finish(session, disconnect.reason(), disconnect.code().code());
  }

  private void sendGoodbye(Session session, Disconnect disconnect) {
    session
        .transport()
        .send(
            Frames.goodbye(
                disconnect.code(),
                disconnect.reason().wireName(),
                disconnect.retryAfterMs(),
                disconnect.message()),
            false);
  }

  /** The peer closed (close frame, reset, write failure). */
  private void peerClosed(Session session) {
    switch (session.state()) {
      case OPEN -> {
        session.beginClosing();
        finish(session, session.transport().peerCloseReason(), session.transport().peerCloseCode());
      }
      case OPENING -> {
        session.closedBeforeOpen();
        untrack.accept(session);
      }
      case CLOSING, CLOSED -> {
        // We closed it first: the cleanup ran then.
      }
    }
  }

  private void finish(Session session, CloseReason reason, Integer code) {
    session.closed();
    if (session.tokenTimer() >= 0) {
      vertx.cancelTimer(session.tokenTimer());
    }
    untrack.accept(session);
    for (Subscription subscription : new ArrayList<>(session.subscriptions())) {
      detach.accept(session, subscription.channel());
    }
    ConnectionIdentity id = session.identity();
    Transport kind = session.transport().kind();
    Instant openedAt = session.openedAt();
    registry
        .unregister(
            id.userId(),
            id.connectionId(),
            // Published once the removal is on its way: a consumer of the event that reads the
            // registry finds the connection gone.
            () -> events.closed(id, kind, openedAt, reason, code))
        .onFailure(
            e -> {
              try (var ignored = LogContext.connection(id.userId(), id.connectionId())) {
                LOG.error(
                    "event=unregister-failed connection={} cause=\"{}\"",
                    id.connectionId(),
                    e.getMessage());
              }
            });
  }

  /**
   * The hint given with 4005: 1-5 s, like a full node's, so a balancer has time to see this node
   * not ready.
   */
  public long cutOffHint() {
    return ThreadLocalRandom.current().nextLong(1000, 5001);
  }

  /**
   * Closes every open connection with goodbye + 1001 and a jittered retry hint (this node lost
   * quorum or was paused past failure detection: its clients must move to a node that is part of
   * the cluster). Never 4000: the clients did nothing wrong. Returns how many were closed.
   */
  public int closeAll(CloseReason reason, String message) {
    int closed = 0;
    for (Session session : sessions.all()) {
      if (session.isOpen()) {
        close(session, new Disconnect(CloseCode.GOING_AWAY, reason, message, retryHint()));
        closed++;
      }
    }
    return closed;
  }

  /**
   * A hint for reconnecting clients, uniform over the shutdown spread so they do not all come back
   * at once.
   */
  public long retryHint() {
    long spread = options.shutdownSpread().toMillis();
    return spread <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spread + 1);
  }

  /**
   * Graceful shutdown: every connection gets goodbye + 1001 with a jittered retry-after hint and
   * its registry entry removed; completes when the registry is clean.
   */
  public Future<Void> drainAll() {
    shared.draining(true);
    List<Future<Boolean>> removals = new ArrayList<>();
    for (Session session : sessions.all()) {
      if (session.isOpen()) {
        ConnectionIdentity id = session.identity();
        close(session, Disconnect.serverShutdown(retryHint()));
        removals.add(registry.unregister(id.userId(), id.connectionId()));
      }
    }
    return Future.join(removals).mapEmpty();
  }
}
