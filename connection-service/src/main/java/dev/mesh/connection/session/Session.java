package dev.mesh.connection.session;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.connection.auth.VerifiedToken;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One live connection on this node. Plain state, owned by the edge verticle's event loop: no locks,
 * no threads. Kept small on purpose: memory per idle connection is a product metric. It moves
 * itself between states and refuses a move that cannot legitimately happen.
 */
public final class Session {

  /** docs/ARCHITECTURE.md §5.2; only {@code Lifecycle} calls the transition methods. */
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
  private int rateDrops;
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

  /** The client refreshed its token (the caller checked that it names the same user). */
  public void tokenRefreshed(VerifiedToken value) {
    this.token = value;
  }

  public State state() {
    return state;
  }

  /**
   * OPENING to OPEN, once the registry accepted the connection. False when it closed meanwhile (or
   * is open already): the caller then undoes the registration instead of announcing it.
   */
  public boolean opened() {
    if (state != State.OPENING) {
      return false;
    }
    state = State.OPEN;
    registeredNanos = System.nanoTime();
    return true;
  }

  /**
   * OPENING or OPEN to CLOSING, when the server or the peer starts a close. False when a close has
   * already begun: closing twice is harmless.
   */
  public boolean beginClosing() {
    if (state == State.CLOSING || state == State.CLOSED) {
      return false;
    }
    state = State.CLOSING;
    return true;
  }

  /** CLOSING to CLOSED, once its cleanup ran. Only a close that began can end. */
  public void closed() {
    if (state != State.CLOSING) {
      throw new IllegalStateException("closed without closing first: " + state);
    }
    state = State.CLOSED;
  }

  /**
   * OPENING to CLOSED: refused, or gone during admission; nothing was announced. False when it was
   * closed already (a refusal of a connection whose peer left meanwhile is harmless). An open
   * connection must close through {@link #beginClosing()}.
   */
  public boolean closedBeforeOpen() {
    if (state == State.CLOSED) {
      return false;
    }
    if (state != State.OPENING) {
      throw new IllegalStateException("an open connection cannot close before opening: " + state);
    }
    state = State.CLOSED;
    return true;
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

  /** Whether a close has begun: nothing more is written to the client. */
  public boolean isClosingOrClosed() {
    return state == State.CLOSING || state == State.CLOSED;
  }

  /** Any inbound traffic proves the peer alive. */
  public void seen(long nowNanos) {
    lastSeenNanos = nowNanos;
    pinged = false;
  }

  /** Whether the close at its rotation time has been scheduled (it falls before the next sweep). */
  public boolean rotationScheduled() {
    return rotationScheduled;
  }

  public void markRotationScheduled() {
    rotationScheduled = true;
  }

  /** Whether a ping went out since the last inbound traffic (one per silence is enough). */
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

  /**
   * The hint of a {@code rate-limited} error: never below {@link #RATE_LIMITED_MIN_RETRY_MS}, so in
   * practice that second (a token is back within 1 s at any rate of 1/s or more). Not the time
   * until the next token: a client that retried each dropped frame as soon as one token was back
   * would send its whole backlog into an empty bucket again. Call right after {@link #takeRate}
   * refused.
   */
  public long rateRetryAfterMs(long nowNanos) {
    return Math.max(
        RATE_LIMITED_MIN_RETRY_MS, (rate.nanosUntilToken(nowNanos) + 999_999) / 1_000_000);
  }

  /**
   * The least {@code retryAfterMs} of a {@code rate-limited} error (the browser client's retry).
   */
  public static final long RATE_LIMITED_MIN_RETRY_MS = 1_000;

  /**
   * Counts a frame the rate limit dropped, in the window of {@link #strike}; true when the drop is
   * a strike: the window's drops are past its allowance of {@code MESH_RATE_BURST} plus {@code
   * MESH_RATE_PER_SECOND} per second since the window began. A client offering up to about twice
   * the rate stays within it; a flood does not.
   */
  public boolean rateDropIsStrike(long nowNanos) {
    rollStrikeWindow(nowNanos);
    return ++rateDrops > rate.allowance(nowNanos - strikesWindowStart);
  }

  /** Counts an abuse error in a 10-second window; returns the errors counted in the window. */
  public int strike(long nowNanos) {
    rollStrikeWindow(nowNanos);
    return ++strikes;
  }

  private void rollStrikeWindow(long nowNanos) {
    if (nowNanos - strikesWindowStart > 10_000_000_000L) {
      strikesWindowStart = nowNanos;
      strikes = 0;
      rateDrops = 0;
    }
  }

  /** The subscriptions in the order they were made; read-only (a view, not a copy). */
  public Collection<Subscription> subscriptions() {
    return Collections.unmodifiableCollection(subscriptions.values());
  }

  /** This connection's subscription to the channel, or null. */
  public Subscription subscription(String channel) {
    return subscriptions.get(channel);
  }

  public boolean isSubscribed(String channel) {
    return subscriptions.containsKey(channel);
  }

  public int subscriptionCount() {
    return subscriptions.size();
  }

  /**
   * Adds the subscription under its channel; returns the previous one of that channel, now ended,
   * or null.
   */
  public Subscription addSubscription(Subscription subscription) {
    if (subscription.session() != this) {
      throw new IllegalArgumentException("a subscription of another session");
    }
    Subscription previous = subscriptions.put(subscription.channel(), subscription);
    if (previous != null && previous != subscription) {
      previous.end();
      return previous;
    }
    return null;
  }

  /**
   * Removes and returns the subscription to the channel, now ended, or null when there was none.
   */
  public Subscription removeSubscription(String channel) {
    Subscription removed = subscriptions.remove(channel);
    if (removed != null) {
      removed.end();
    }
    return removed;
  }

  /** The timer that warns of, then enforces, the token's expiry; -1 when none is pending. */
  public long tokenTimer() {
    return tokenTimer;
  }

  public void tokenTimerStarted(long timerId) {
    this.tokenTimer = timerId;
  }

  /** The pending token timer fired or was cancelled. */
  public void tokenTimerEnded() {
    this.tokenTimer = -1;
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
