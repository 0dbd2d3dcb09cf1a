package dev.mesh.connection.session;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.connection.auth.VerifiedToken;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One live connection on this node. Plain state, owned by the edge verticle's event loop: no locks,
 * no threads. Kept small on purpose: memory per idle connection is a product metric.
 */
public final class Session {

  /** docs/ARCHITECTURE.md §5.2; only {@code Lifecycle} moves a session between states. */
  public enum State {
    OPENING,
    OPEN,
    CLOSING,
    CLOSED
  }

  private final ConnectionIdentity identity;
  private final long attempt;
  private final SessionTransport transport;
  private final Instant openedAt;
  private final long openedNanos;
  private final TokenBucket rate;
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>(4);
  private VerifiedToken token;
  private State state = State.OPENING;
  private long registeredNanos = Long.MAX_VALUE;
  private long lastSeenNanos;
  private int strikes;
  private long strikesWindowStart;
  private long tokenTimer = -1;
  private boolean pinged;
  private boolean rotationScheduled;

  public Session(
      ConnectionIdentity identity,
      SessionTransport transport,
      VerifiedToken token,
      LimitOptions limits,
      long nowNanos) {
    this(identity, 0, transport, token, limits, nowNanos);
  }

  /**
   * {@code attempt}: the client's number of this attempt of its page, 0 when it sent none (PROTOCOL
   * 1.3).
   */
  public Session(
      ConnectionIdentity identity,
      long attempt,
      SessionTransport transport,
      VerifiedToken token,
      LimitOptions limits,
      long nowNanos) {
    this.identity = identity;
    this.attempt = attempt;
    this.transport = transport;
    this.token = token;
    this.openedAt = Instant.now();
    this.openedNanos = nowNanos;
    this.lastSeenNanos = nowNanos;
    this.rate = new TokenBucket(limits.ratePerSecond(), limits.rateBurst(), nowNanos);
    this.strikesWindowStart = nowNanos;
  }

  public ConnectionIdentity identity() {
    return identity;
  }

  /** The client's number of this attempt of its page; 0 when unnumbered. */
  public long attempt() {
    return attempt;
  }

  public String id() {
    return identity.connectionId();
  }

  public String userId() {
    return identity.userId();
  }

  public SessionTransport transport() {
    return transport;
  }

  public Instant openedAt() {
    return openedAt;
  }

  public long openedNanos() {
    return openedNanos;
  }

  public VerifiedToken token() {
    return token;
  }

  public void token(VerifiedToken value) {
    this.token = value;
  }

  public State state() {
    return state;
  }

  public void state(State value) {
    if (value == State.OPEN && state != State.OPEN) {
      registeredNanos = System.nanoTime();
    }
    this.state = value;
  }

  /**
   * When the registry accepted this connection and it opened ({@link Long#MAX_VALUE} before that).
   * Registration can take seconds in a storm, so the construction time says nothing about whether
   * the registry holds the entry yet.
   */
  public long registeredNanos() {
    return registeredNanos;
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** Any inbound traffic proves the peer alive. */
  public void seen(long nowNanos) {
    lastSeenNanos = nowNanos;
    pinged = false;
  }

  /** Whether a ping went out since the last inbound traffic (one per silence is enough). */
  /** Whether the close at its rotation time has been scheduled (it falls before the next sweep). */
  public boolean rotationScheduled() {
    return rotationScheduled;
  }

  public void markRotationScheduled() {
    rotationScheduled = true;
  }

  public boolean pinged() {
    return pinged;
  }

  public void markPinged() {
    pinged = true;
  }

  public long lastSeenNanos() {
    return lastSeenNanos;
  }

  public boolean takeRate(long nowNanos) {
    return rate.tryTake(nowNanos);
  }

  /** Counts an abuse error in a 10-second window; returns the errors counted in the window. */
  public int strike(long nowNanos) {
    if (nowNanos - strikesWindowStart > 10_000_000_000L) {
      strikesWindowStart = nowNanos;
      strikes = 0;
    }
    return ++strikes;
  }

  public Map<String, Subscription> subscriptions() {
    return subscriptions;
  }

  public long tokenTimer() {
    return tokenTimer;
  }

  public void tokenTimer(long id) {
    this.tokenTimer = id;
  }

  /** Why a close happened, from the close status the client sent (null: no close frame at all). */
  public static CloseReason reasonForPeerClose(Short status) {
    if (status == null) {
      return CloseReason.NETWORK_ERROR;
    }
    // 1000 from pagehide/logout and 1001 from a navigating browser are both intentional.
    return status == 1000 || status == 1001 ? CloseReason.CLIENT_NORMAL : CloseReason.NETWORK_ERROR;
  }
}
