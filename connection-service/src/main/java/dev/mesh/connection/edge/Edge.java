package dev.mesh.connection.edge;

import dev.mesh.common.bus.BusClient;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.connection.admission.Admission;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.ChannelAuthorizer;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.lifecycle.ConnectionEvents;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryClient;
import dev.mesh.connection.session.SessionIndex;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The collaborators of one event loop of an edge node, created on that loop's context: its sessions
 * and everything that touches them. What the loops share (admission, metrics, the channel router,
 * the session count) is the {@link EdgeNode}.
 */
public final class Edge {

  final EdgeOptions options;
  final MeshNode node;
  final Vertx vertx;
  final Context context;
  final SessionIndex sessions = new SessionIndex();
  final ConnectionMetrics metrics;
  final ConnectionEvents events;
  final RegistryClient registry;
  final ChannelAuthorizer authorizer;
  final ChannelLog log;
  final BusClient bus;
  final PresenceClient presence;
  final Outbound outbound;
  final Subscriptions subscriptions;
  final Lifecycle lifecycle;
  final FrameHandler frames;
  final ChannelSubscribers hub;
  final Admission admission;
  final EdgeNode shared;
  private final java.util.function.Consumer<String> rejoin;

  /**
   * Created on the loop's own context. {@code authenticator} checks refreshed tokens; {@code
   * rejoin} asks the launcher to leave the cluster and join again (see {@link #rejoin}).
   */
  public Edge(
      EdgeNode shared,
      Context context,
      ChannelLog log,
      Authenticator authenticator,
      java.util.function.Consumer<String> rejoin) {
    this.shared = shared;
    this.rejoin = rejoin;
    this.options = shared.options();
    this.node = shared.node();
    this.vertx = node.vertx();
    this.context = context;
    this.metrics = shared.metrics();
    this.bus = new BusClient(vertx);
    this.presence = new PresenceClient(vertx, java.time.Duration.ofSeconds(2));
    this.events = new ConnectionEvents(vertx.eventBus(), metrics);
    this.registry = new RegistryClient(node, context, metrics.registerBatch::record);
    this.authorizer = new ChannelAuthorizer(options.auth(), bus);
    this.log = log;
    this.outbound = new Outbound(this);
    this.lifecycle = new Lifecycle(this);
    this.subscriptions = new Subscriptions(this);
    this.hub = shared.channelSubscribers().create(context, subscriptions::fanOut);
    this.frames = new FrameHandler(this, authenticator);
    this.admission = shared.admission();
  }

  /** The node this loop belongs to. */
  public EdgeNode shared() {
    return shared;
  }

  /** This loop's context: its sessions are touched only there. */
  public Context context() {
    return context;
  }

  /** Adds a new session unless the node is full (every loop counted). */
  boolean track(dev.mesh.connection.session.Session session) {
    if (!shared.track(this, session.id(), session.userId())) {
      return false;
    }
    sessions.add(session);
    return true;
  }

  void untrack(dev.mesh.connection.session.Session session) {
    if (sessions.remove(session)) {
      shared.untrack(session.id(), session.userId());
    }
  }

  /**
   * The gate new connections pass before anything is spent on them (docs/PROTOCOL.md 1.2 step 3b).
   */
  public Admission admission() {
    return admission;
  }

  public SessionIndex sessions() {
    return sessions;
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  public Subscriptions subscriptions() {
    return subscriptions;
  }

  public FrameHandler frames() {
    return frames;
  }

  public Outbound outbound() {
    return outbound;
  }

  public ChannelSubscribers hub() {
    return hub;
  }

  public ConnectionMetrics metrics() {
    return metrics;
  }

  public RegistryClient registry() {
    return registry;
  }

  public ConnectionEvents events() {
    return events;
  }

  public ChannelLog log() {
    return log;
  }

  public EdgeOptions options() {
    return options;
  }

  public MeshNode node() {
    return node;
  }

  /**
   * Asks the launcher to leave the cluster and join again as a new node (this node was paused past
   * failure detection, or is alone in its view); the undeploy closes every socket with 1001 and a
   * retry hint.
   */
  public void rejoin(String reason) {
    rejoin.accept(reason);
  }

  /** Whether the node is shutting down (every loop drains). */
  public boolean draining() {
    return shared.draining();
  }

  void draining(boolean value) {
    shared.draining(value);
  }
}
