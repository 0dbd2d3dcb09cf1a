package dev.mesh.connection.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceClient;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.connection.admission.Admission;
import dev.mesh.connection.auth.Authenticator;
import dev.mesh.connection.auth.ChannelAuthorizer;
import dev.mesh.connection.auth.VerifiedToken;
import dev.mesh.connection.history.ChannelLog;
import dev.mesh.connection.lifecycle.ConnectionEvents;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.registry.RegistryClient;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.SessionIndex;
import dev.mesh.connection.session.SessionTransport;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Where the parts of one event loop of an edge node are built and wired, on that loop's context:
 * its sessions and the parts that touch them ({@link Lifecycle}, {@link Subscriptions}, {@link
 * FrameHandler}, {@link Outbound}), each given the collaborators it uses, never the {@code Edge}.
 * What the loops share (admission, metrics, the channel router, the session count) is the {@link
 * EdgeNode}. Only the wiring and the {@link EdgeNode} hold an {@code Edge}; every other part sees
 * it through the narrow role it plays for that part: {@link EdgeDoor} for the endpoints, {@link
 * LoopSessions} for the heartbeat sweep and the quorum guard, {@link ChannelDelivery} for the
 * presence feed, {@link EdgeLoop} for the node's bus consumers.
 */
public final class Edge implements EdgeDoor, EdgeLoop {

  private final EdgeOptions options;
  private final MeshNode node;
  private final Context context;
  private final SessionIndex sessions = new SessionIndex();
  private final ConnectionMetrics metrics;
  private final ConnectionEvents events;
  private final RegistryClient registry;
  private final Outbound outbound;
  private final Subscriptions subscriptions;
  private final Lifecycle lifecycle;
  private final FrameHandler frames;
  private final EdgeNode shared;

  /**
   * Created on the loop's own context: builds the loop's parts and wires each to what it uses.
   * {@code authenticator} checks refreshed tokens.
   */
  public Edge(EdgeNode shared, Context context, ChannelLog log, Authenticator authenticator) {
    this.shared = shared;
    this.options = shared.options();
    this.node = shared.node();
    this.context = context;
    this.metrics = shared.metrics();
    Vertx vertx = node.vertx();
    BusClient bus = new BusClient(vertx);
    PresenceClient presence = new PresenceClient(vertx, java.time.Duration.ofSeconds(2));
    this.events = new ConnectionEvents(vertx.eventBus(), metrics);
    this.registry =
        new RegistryClient(
            node,
            context,
            metrics.registerBatch::record,
            metrics.unregisterBatch::record,
            shared.registryWindow());
    ChannelAuthorizer authorizer = new ChannelAuthorizer(options.auth(), bus);
    // The parts call each other both ways: a part reaches one built after it, and this loop's seat
    // in the node's session count, through a method reference to this wiring, never the Edge.
    this.outbound = new Outbound(metrics, this::closeWithoutGoodbye);
    this.lifecycle =
        new Lifecycle(
            options,
            node,
            shared,
            vertx,
            sessions,
            this::track,
            this::untrack,
            authorizer,
            registry,
            events,
            metrics,
            outbound,
            this::detach,
            this::scheduleTokenExpiry);
    this.subscriptions =
        new Subscriptions(
            vertx,
            context,
            shared.channelSubscribers(),
            sessions,
            log,
            presence,
            outbound,
            lifecycle,
            metrics);
    this.frames =
        new FrameHandler(
            options,
            vertx,
            metrics,
            authorizer,
            authenticator,
            log,
            presence,
            outbound,
            subscriptions,
            lifecycle);
  }

  /** This loop's context: its sessions are touched only there. */
  @Override
  public Context context() {
    return context;
  }

  /** Adds a new session unless the node is full (every loop counted). */
  private boolean track(Session session) {
    if (!shared.track(this, session.id(), session.userId())) {
      return false;
    }
    sessions.add(session);
    return true;
  }

  private void untrack(Session session) {
    if (sessions.remove(session)) {
      shared.untrack(session.id(), session.userId());
    }
  }

  @Override
  public Admission admission() {
    return shared.admission();
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

  @Override
  public ConnectionMetrics metrics() {
    return metrics;
  }

  @Override
  public RegistryClient registry() {
    return registry;
  }

  public ConnectionEvents events() {
    return events;
  }

  @Override
  public EdgeOptions options() {
    return options;
  }

  public MeshNode node() {
    return node;
  }

  /** Whether the node is shutting down (every loop drains). */
  @Override
  public boolean draining() {
    return shared.draining();
  }

  private void scheduleTokenExpiry(Session session) {
    frames.scheduleTokenExpiry(session);
  }

  // EdgeDoor: the endpoints.

  @Override
  public String quorumProblem() {
    return node.quorumProblem();
  }

  @Override
  public long cutOffHint() {
    return lifecycle.cutOffHint();
  }

  @Override
  public String nodeId() {
    return node.nodeId();
  }

  @Override
  public Future<Session> admit(
      ConnectionIdentity identity, long attempt, SessionTransport transport, VerifiedToken token) {
    return lifecycle.admit(identity, attempt, transport, token);
  }

  @Override
  public void onText(Session session, String text) {
    frames.onText(session, text);
  }

  @Override
  public void onBinary(Session session) {
    frames.onBinary(session);
  }

  @Override
  public void subscribeFromUrl(Session session, String channel, Position from, boolean presence) {
    frames.subscribeFromUrl(session, channel, from, presence);
  }

  // LoopSessions: the heartbeat sweep, the quorum guard, the bus consumers.

  @Override
  public Collection<Session> allSessions() {
    return sessions.all();
  }

  @Override
  public Session session(String connectionId) {
    return sessions.get(connectionId);
  }

  @Override
  public Collection<Session> sessionsOf(String userId) {
    return sessions.ofUser(userId);
  }

  @Override
  public void close(Session session, Disconnect disconnect) {
    lifecycle.close(session, disconnect);
  }

  @Override
  public void closeWithoutGoodbye(Session session, Disconnect disconnect) {
    lifecycle.closeWithoutGoodbye(session, disconnect);
  }

  @Override
  public int closeAll(CloseReason reason, String message) {
    return lifecycle.closeAll(reason, message);
  }

  // ChannelDelivery: the presence feed and the bus consumers.

  @Override
  public List<String> channels() {
    return subscriptions.hub().channels();
  }

  @Override
  public Set<Subscription> subscribers(String channel) {
    return subscriptions.hub().subscribers(channel);
  }

  @Override
  public void send(Session session, String frame) {
    outbound.send(session, frame);
  }

  @Override
  public void deliverDirect(Envelope event, List<String> connectionIds) {
    subscriptions.deliverDirect(event, connectionIds);
  }

  @Override
  public boolean detach(Session session, String channel) {
    return subscriptions.detach(session, channel);
  }

  // EdgeLoop: frames forwarded by other nodes.

  @Override
  public Future<FrameHandler.Reply> handleFrame(Session session, JsonNode frame, long now) {
    return frames.handle(session, frame, now);
  }
}
