// MeshClient: the connection state machine (PROTOCOL 5.3) and the public API. Frames go to the subscriptions and the
// outbox; bytes to a transport; page events come from the lifecycle.
//
// States: idle -> connecting -> connected; a lost connection goes to reconnecting (backoff, hint or at once) and back
// to connected; close() and pagehide go through closing to closed; terminal close codes and exhausted attempts end in
// failed, from which retry() starts again. Every change is a 'state' event carrying its reason.

import { reconnectDelay } from './backoff.js';
import {
  ClientErrorCodes, CloseCodes, ErrorCodes, MeshError, closeCodeName, parseRetryAfter, shouldReconnect, terminalMessage,
} from './codes.js';
import { SESSION_KEY, TAB_KEY, fetchTicket, httpBase, identityParams, storedId } from './identity.js';
import { PageLifecycle } from './lifecycle.js';
import { resolveOptions } from './options.js';
import { Outbox, invalidPublish } from './outbox.js';
import { Pacer } from './pacer.js';
import { SseTransport, sseUrl } from './sse.js';
import { Subscriptions } from './subscriptions.js';
import { Emitter, Timers, randomId, resolveEnv } from './util.js';
import { PROTOCOL_VERSION, VERSION } from './version.js';
import { WebSocketTransport, webSocketUrl } from './websocket.js';

/** @typedef {import('../mesh-client.js').MeshClientOptions} MeshClientOptions */
/** @typedef {import('../mesh-client.js').MeshEventMap} MeshEventMap */
/** @typedef {import('../mesh-client.js').MeshState} MeshState */
/** @typedef {import('../mesh-client.js').StateChange} StateChange */
/** @typedef {import('../mesh-client.js').TokenReason} TokenReason */
/** @typedef {import('../mesh-client.js').Position} Position */
/** @typedef {import('../mesh-client.js').PresenceMember} PresenceMember */
/** @typedef {import('../mesh-client.js').Subscribed} Subscribed */
/** @typedef {import('../mesh-client.js').Published} Published */
/** @typedef {import('./websocket.js').Frame} Frame */
/** @typedef {import('./websocket.js').Transport} Transport */
/** @typedef {import('./websocket.js').TransportSink} TransportSink */

/** Every state of the client, in no particular order. */
export const STATES = Object.freeze(/** @type {MeshState[]} */ (
  ['idle', 'connecting', 'connected', 'reconnecting', 'closing', 'closed', 'failed']));

/**
 * How a connection or attempt ended, for deciding what comes next.
 * @typedef {object} Loss
 * @property {number | null} code the close code (null: none, e.g. a credential request failed)
 * @property {string | null} name the reason reported in the state change
 * @property {number | null} hint the server's retry-after hint
 * @property {boolean} welcomed whether the connection had been welcomed
 * @property {'websocket' | 'sse' | null} kind its transport, if it got that far
 * @property {Frame | null} [goodbye]
 * @property {boolean} [spread] false when the client detected the loss itself (no first-retry spread)
 */

/** The Mesh client. See mesh-client.d.ts for the typed API and docs/PROTOCOL.md for the wire protocol. */
export class MeshClient {
  #o;
  #env;
  /** @type {MeshState} */
  #state = 'idle';
  /** @type {Emitter<MeshEventMap>} */
  #events = new Emitter();
  #timers;
  #lifecycle;
  #subs;
  #outbox;
  #pacer;

  /** @type {Transport | null} */
  #transport = null;
  #gen = 0; // bumped whenever an attempt or a connection is abandoned; async steps compare it
  #openingGen = -1; // the #gen of an attempt still getting its credential
  #connGen = 0; // bumped per welcome: "this connection"
  #attempt = 0;
  /** @type {number | null} */
  #nextRetryAt = null;
  /** @type {MeshError | null} */
  #lastError = null;
  /** @type {string | null} */
  #failReason = null;
  /** @type {'close' | 'pagehide' | null} */
  #intent = null; // while closing
  #suspended = false; // closed by pagehide: pageshow(persisted) brings it back
  #offline = false;

  #useSse;
  #wsFailuresBeforeWelcome = 0;
  #wsEverWelcomed = false;

  /** @type {string | null} */
  #token = null;
  /** @type {TokenReason} */
  #tokenReason = 'connect';
  #needNewToken = false;
  #unauthorizedRetried = false;

  /** @type {Frame | null} */
  #welcome = null;
  #reqSeq = 0;
  /** @type {string | null} */
  #pingId = null;
  #pingSentAt = 0;

  #sessionId;
  #tabId;
  #pageId;
  #pageAttempts = 0; // sockets opened for this page id; the server orders a page's attempts by it (PROTOCOL 1.3)

  /** @param {MeshClientOptions} [options] */
  constructor(options = {}) {
    const o = (this.#o = resolveOptions(options));
    const env = (this.#env = resolveEnv(options));
    this.#timers = new Timers(env);
    this.#lifecycle = new PageLifecycle(env.window, env.document);
    const emit = this.#emit.bind(this);
    const send = this.#send.bind(this);
    const connGen = () => this.#connGen;
    const later = this.#later.bind(this);
    // Every frame the client sends once welcomed is one the server's rate limit counts: all wait their turn here.
    const pacer = (this.#pacer = new Pacer({ connGen, later, limits: () => this.#welcome?.limits ?? null, now: env.now }));
    this.#subs = new Subscriptions({
      emit, send, pacer, connGen, later, connected: () => this.#state === 'connected', nextId: (p) => this.#nextId(p),
      criticalMemory: o.criticalMemory,
    });
    this.#outbox = new Outbox({
      send, pacer, connGen, later, newId: () => this.#newId(), setTimeout: env.setTimeout,
      clearTimeout: env.clearTimeout, outboxLimit: o.outboxLimit,
    });
    this.#useSse = o.transport === 'sse' || (o.transport === 'auto' && !env.WebSocket);
    const newId = () => this.#newId();
    this.#sessionId = o.sessionId ?? storedId(env.sessionStorage, SESSION_KEY, newId);
    this.#tabId = storedId(env.sessionStorage, TAB_KEY, newId);
    this.#pageId = this.#newId();
  }

  /* ---------------------------------------------------------------------------------------------- public API */

  get state() {
    return this.#state;
  }

  /** True only while connected: what a UI uses to enable its send button (publish() also queues meanwhile). */
  get canSend() {
    return this.#state === 'connected';
  }

  /** @returns {'websocket' | 'sse'} */
  get transport() {
    return this.#transport?.kind ?? (this.#useSse ? 'sse' : 'websocket');
  }

  get sessionId() {
    return this.#sessionId;
  }

  get tabId() {
    return this.#tabId;
  }

  get pageId() {
    return this.#pageId;
  }

  /** @returns {string | null} */
  get connectionId() {
    return this.#state === 'connected' ? this.#welcome?.connectionId ?? null : null;
  }

  /** @returns {string | null} */
  get userId() {
    return this.#welcome?.userId ?? null;
  }

  /** @returns {string | null} */
  get nodeId() {
    return this.#state === 'connected' ? this.#welcome?.nodeId ?? null : null;
  }

  /** Reconnect attempts since the last healthy connection (reset after healthyAfterMs connected). */
  get attempt() {
    return this.#attempt;
  }

  /** When the next reconnect attempt starts (epoch ms), or null. */
  get nextRetryAt() {
    return this.#nextRetryAt;
  }

  get lastError() {
    return this.#lastError;
  }

  get offline() {
    return this.#offline;
  }

  /** Publishes waiting for their `published` (queued or in flight). */
  get pending() {
    return this.#outbox.size;
  }

  /** Channels the client keeps subscribed (including its own `user:<userId>` channel once known). */
  get channels() {
    return this.#subs.channels;
  }

  /**
   * The last position surfaced for a channel, or null.
   * @param {string} channel
   */
  position(channel) {
    return this.#subs.position(channel);
  }

  /**
   * Presence members of a channel subscribed with presence: [{userId, state: 'present'|'reconnecting', info}].
   * @param {string} channel
   */
  members(channel) {
    return this.#subs.members(channel);
  }

  /**
   * @template {keyof MeshEventMap} K
   * @param {K} type
   * @param {(detail: MeshEventMap[K]) => unknown} listener
   * @returns {() => void}
   */
  on(type, listener) {
    this.#events.on(type, listener);
    return () => this.off(type, listener);
  }

  /**
   * @template {keyof MeshEventMap} K
   * @param {K} type
   * @param {(detail: MeshEventMap[K]) => unknown} listener
   */
  off(type, listener) {
    this.#events.off(type, listener);
  }

  /** Starts connecting (from idle or closed; from failed it is retry()). */
  connect() {
    if (this.#state === 'failed') return this.retry();
    if (this.#state !== 'idle' && this.#state !== 'closed') return;
    this.#begin('connect');
  }

  /** Starts again at once with a fresh attempt counter: after failed, or to cut a reconnect wait short. */
  retry() {
    if (this.#state === 'connected' || this.#state === 'connecting' || this.#state === 'closing') return;
    this.#begin('retry');
  }

  /** Closes on purpose (code 1000). Queued publishes are rejected; subscriptions are kept for a later connect(). */
  close() {
    this.#lifecycle.remove();
    this.#suspended = false;
    if (this.#state === 'closed' || this.#state === 'closing') this.#intent = 'close';
    else this.#shutdown('close');
    this.#rejectAll(new MeshError(ClientErrorCodes.CLOSED, 'the client was closed before the server acknowledged this message'));
  }

  /**
   * Subscribes to a channel for as long as the client lives: it is resubscribed with its position after every
   * reconnect. Resolves at the next `subscribed` for it; rejects on a request error, or when the client fails.
   * @param {string} channel
   * @param {{ presence?: boolean, info?: Record<string, unknown> }} [options]
   * @returns {Promise<Subscribed>}
   */
  subscribe(channel, options) {
    return this.#subs.subscribe(channel, options);
  }

  /**
   * Stops a subscription at once (events for it are no longer surfaced).
   * @param {string} channel
   * @returns {Promise<boolean>}
   */
  unsubscribe(channel) {
    return this.#subs.unsubscribe(channel);
  }

  /**
   * Publishes `data` to `channel`. Queued while not connected, sent once per connection, retried with the same id
   * after a reconnect (the server dedupes), resolved by `published`.
   * @param {string} channel
   * @param {unknown} data
   * @param {{ critical?: boolean, timeoutMs?: number, id?: string }} [options]
   * @returns {Promise<Published>}
   */
  publish(channel, data, { critical = false, timeoutMs = this.#o.publishTimeoutMs, id = undefined } = {}) {
    const invalid = invalidPublish(channel, data, id);
    if (invalid) return Promise.reject(invalid);
    if (this.#state === 'failed') {
      return Promise.reject(new MeshError(ClientErrorCodes.FAILED, `not sent: the client failed (${this.#lastError?.message})`,
        { cause: this.#lastError }));
    }
    if ((this.#state === 'closed' || this.#state === 'closing') && !this.#suspended) {
      return Promise.reject(new MeshError(ClientErrorCodes.CLOSED, 'not sent: the client is closed'));
    }
    return this.#outbox.add(channel, data, { critical, timeoutMs, id, connected: this.#state === 'connected' });
  }

  /** Sends an application ping now (also done on the heartbeat and when the page becomes visible). */
  ping() {
    this.#ping();
  }

  /* ------------------------------------------------------------------------------------------- state machine */

  /**
   * @param {MeshState} next
   * @param {string} reason
   * @param {Partial<StateChange>} [extra]
   */
  #setState(next, reason, extra = {}) {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#emit('state', { state: next, previous, reason, ...extra });
  }

  /** @param {string} reason */
  #begin(reason) {
    this.#installLifecycle();
    this.#abandon(1000, 'client-normal');
    this.#timers.clear('close');
    this.#attempt = 0;
    this.#lastError = null;
    this.#failReason = null;
    this.#suspended = false;
    this.#intent = null;
    this.#setState('connecting', reason);
    if (this.#state === 'connecting') this.#open();
  }

  /** One connection attempt: credential, ticket, then a socket (or an EventSource). */
  async #open() {
    const gen = ++this.#gen;
    this.#openingGen = gen;
    this.#timers.clear('reconnect');
    this.#nextRetryAt = null;
    const o = this.#o;
    /** @type {string | null} */
    let ticket = null;
    try {
      if (o.getToken) {
        const previous = this.#token;
        const token = await o.getToken({ reason: this.#tokenReason });
        if (gen !== this.#gen) return;
        if (this.#needNewToken && (token == null || token === previous)) {
          this.#needNewToken = false;
          this.#openingGen = -1;
          return this.#fail(new MeshError(ClientErrorCodes.UNAUTHORIZED,
            'the server rejected the token (4500) and getToken() returned no new one', { closeCode: 4500 }),
          'unauthorized', { code: 4500 });
        }
        this.#token = token ?? null;
      }
      this.#needNewToken = false;
      if (o.getTicket) ticket = await o.getTicket({ reason: this.#tokenReason, token: this.#token });
      else if (this.#token) ticket = await fetchTicket(this.#env.fetch, this.#httpBase(), this.#token);
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#openingGen = -1;
      const error = err instanceof MeshError ? err : new MeshError(ClientErrorCodes.AUTH_FAILED,
        `could not get a credential: ${/** @type {any} */ (err)?.message ?? err}`, { cause: err });
      if (error.status === 401) this.#tokenReason = 'unauthorized';
      this.#lastError = error;
      this.#emit('error', error);
      return this.#lost({ code: null, name: error.code, hint: error.retryAfterMs ?? null, welcomed: false, kind: null });
    }
    if (gen !== this.#gen) return;
    this.#openingGen = -1;
    this.#tokenReason = 'connect';
    /** @type {TransportSink} */
    const sink = {
      frame: (t, f) => this.#onFrame(t, f),
      closed: (t, info) => this.#onClosed(t, info),
      malformed: (t, text) => {
        if (t !== this.#transport) return;
        this.#emit('error', new MeshError(ClientErrorCodes.MALFORMED_FRAME,
          'the server sent a frame that is not a JSON object with a type', { text: /** @type {string} */ (text) }));
      },
    };
    /** @type {Transport} */
    let t;
    try {
      t = this.#useSse ? this.#openSse(sink, ticket)
        : new WebSocketTransport(webSocketUrl(this.#httpBase(), this.#identityParams(), ticket), this.#env, sink);
    } catch (err) {
      const error = new MeshError(ClientErrorCodes.TRANSPORT, `could not open the ${this.#useSse ? 'EventSource' : 'WebSocket'}: `
        + `${/** @type {any} */ (err)?.message ?? err}`, { cause: err });
      this.#lastError = error;
      this.#emit('error', error);
      return this.#lost({ code: null, name: 'transport', hint: null, welcomed: false, kind: this.#useSse ? 'sse' : 'websocket' });
    }
    this.#transport = t;
    this.#timers.set('connect', o.connectTimeoutMs, () => {
      if (this.#transport !== t) return;
      this.#abandon(4000, 'connect-timeout');
      this.#lost({ code: null, name: 'connect-timeout', hint: null, welcomed: false, kind: t.kind });
    });
  }

  /**
   * @param {TransportSink} sink
   * @param {string | null} ticket
   * @returns {SseTransport}
   */
  #openSse(sink, ticket) {
    if (!this.#env.EventSource) throw new Error('no EventSource in this environment');
    const base = this.#httpBase();
    const { url, urlChannels } = sseUrl(base, this.#identityParams(), this.#subs.values(), ticket);
    return new SseTransport(url, this.#env, sink, base, () => this.#token, urlChannels);
  }

  /**
   * The current attempt or connection ended without the client asking. Decide what comes next (PROTOCOL 5.3).
   * @param {Loss} loss
   */
  #lost({ code, name, hint, welcomed, kind, goodbye = null, spread = true }) {
    // A close with a goodbye came from Mesh over the WebSocket (a deferral, a full node...): the upgrade works, and
    // does not count towards the fallback to SSE.
    if (kind === 'websocket' && !welcomed && !goodbye && shouldReconnect(code ?? 1006)) {
      this.#wsFailuresBeforeWelcome++;
      if (this.#o.transport === 'auto' && !this.#wsEverWelcomed && this.#env.EventSource
          && this.#wsFailuresBeforeWelcome >= this.#o.sseFallbackAfter) {
        this.#useSse = true;
        this.#emit('transport', { transport: 'sse', reason: 'websocket-failed', failures: this.#wsFailuresBeforeWelcome });
      }
    }
    if (code != null && !shouldReconnect(code)) return this.#terminal(code, goodbye);
    /** @type {number | null} */
    let atOnce = null;
    if (code === CloseCodes.ROTATED) atOnce = 0;
    if (code === CloseCodes.TOKEN_EXPIRED) {
      atOnce = 0;
      this.#tokenReason = 'token-expired';
    }
    // A deferral at admission (4006) is the server's answer, not a failed attempt: it does not count towards
    // maxAttempts, so a page waiting its turn in a shaped storm never gives up (PROTOCOL 5.3).
    const counts = code !== CloseCodes.DEFERRED;
    this.#scheduleReconnect({ reason: name ?? closeCodeName(code), code, delay: atOnce, hint, spread, counts });
  }

  /**
   * @param {number} code
   * @param {Frame | null} goodbye
   */
  #terminal(code, goodbye) {
    const reason = closeCodeName(code);
    // A newer connection or attempt of this page holds it (4504, 4507): nothing to do, nothing to report.
    if (code === CloseCodes.REPLACED || code === CloseCodes.STALE_ATTEMPT) return this.#stop(reason, { code });
    if (code === CloseCodes.KICKED) {
      return this.#stop(reason, {
        code, error: new MeshError(reason, goodbye?.message ?? 'the server closed this connection (kicked)', { closeCode: code }),
      });
    }
    if (code === CloseCodes.UNAUTHORIZED && this.#o.getToken && !this.#unauthorizedRetried) {
      // 4500 is terminal unless the token callback yields a new token (PROTOCOL 5.3).
      this.#unauthorizedRetried = true;
      this.#needNewToken = true;
      this.#tokenReason = 'unauthorized';
      return this.#scheduleReconnect({ reason, code, delay: 0 });
    }
    const text = terminalMessage(code);
    const message = goodbye?.message ? `${text}: ${goodbye.message}` : text;
    this.#fail(new MeshError(reason, `${message} (close ${code})`, { closeCode: code }), reason, { code });
  }

  /**
   * Counts the attempt (unless `counts` is false: a deferral) and waits before it: `delay` when given (reconnect at
   * once), else by the hint or backoff.
   * @param {{ reason: string, code: number | null, delay?: number | null, hint?: number | null, spread?: boolean,
   *   counts?: boolean }} next
   */
  #scheduleReconnect({ reason, code, delay = null, hint = null, spread = true, counts = true }) {
    this.#timers.clear('reconnect');
    if (this.#offline) {
      this.#nextRetryAt = null;
      this.#setState('reconnecting', 'offline', { code, attempt: this.#attempt, delayMs: null });
      return;
    }
    const attempt = counts ? ++this.#attempt : this.#attempt;
    if (counts && attempt > this.#o.maxAttempts) {
      const last = this.#lastError ? `: ${this.#lastError.message}` : ` (last: ${reason})`;
      return this.#fail(new MeshError(ClientErrorCodes.MAX_ATTEMPTS,
        `could not connect after ${this.#o.maxAttempts} reconnect attempts${last}`, { cause: this.#lastError ?? undefined }),
      'max-attempts', { code });
    }
    const delayMs = delay ?? reconnectDelay({ attempt, hint, spread }, this.#env.random, this.#o);
    this.#nextRetryAt = this.#env.now() + delayMs;
    this.#timers.set('reconnect', delayMs, () => this.#open());
    const detail = { reason, code, attempt, delayMs };
    this.#setState('reconnecting', reason, detail);
    this.#emit('reconnect', detail);
  }

  /**
   * @param {MeshError} error
   * @param {string} reason
   * @param {Partial<StateChange>} [extra]
   */
  #fail(error, reason, extra = {}) {
    this.#abandon(1000, 'client-normal');
    this.#timers.clearAll();
    this.#lastError = error;
    this.#failReason = reason;
    this.#nextRetryAt = null;
    this.#rejectAll(new MeshError(ClientErrorCodes.FAILED, `not sent: the client failed (${error.message})`, { cause: error }));
    this.#setState('failed', reason, { ...extra, error });
  }

  /**
   * Terminal but expected (replaced, kicked): closed, no reconnect.
   * @param {string} reason
   * @param {{ code: number, error?: MeshError }} extra
   */
  #stop(reason, extra) {
    this.#abandon(1000, 'client-normal');
    this.#timers.clearAll();
    this.#nextRetryAt = null;
    if (extra.error) this.#lastError = extra.error;
    this.#rejectAll(new MeshError(ClientErrorCodes.CLOSED, `not sent: the connection was closed (${reason})`));
    this.#setState('closed', reason, extra);
  }

  /**
   * Intentional close (app or pagehide): closing, then closed when the transport has ended.
   * @param {'close' | 'pagehide'} intent
   */
  #shutdown(intent) {
    this.#timers.clearAll();
    this.#nextRetryAt = null;
    this.#intent = intent;
    const t = this.#transport;
    if (t) {
      this.#gen++;
      this.#setState('closing', intent);
      if (this.#state !== 'closing' || this.#transport !== t) return;
      t.close(1000, 'client-normal');
      this.#timers.set('close', this.#o.closeTimeoutMs, () => this.#finishClose());
    } else {
      this.#gen++; // cancels an attempt still fetching its credential
      if (this.#state !== 'idle') this.#setState('closing', intent);
      this.#finishClose();
    }
  }

  #finishClose() {
    if (this.#state !== 'closing' && this.#state !== 'idle') return;
    const t = this.#transport;
    this.#transport = null;
    if (t) t.detach(1000, 'client-normal');
    this.#timers.clear('close');
    this.#connectionEnded();
    this.#setState('closed', this.#intent ?? 'close');
  }

  /**
   * Drops the current transport without hearing from it again.
   * @param {number} code
   * @param {string} reason
   */
  #abandon(code, reason) {
    this.#gen++;
    const t = this.#transport;
    if (!t) return;
    this.#transport = null;
    t.detach(code, reason);
    this.#connectionEnded();
  }

  /** Whether an attempt is under way (getting its credential, or its socket open and not yet welcomed). */
  #attemptUnderWay() {
    return this.#transport !== null || this.#openingGen === this.#gen;
  }

  /** Per-connection bookkeeping to forget when a connection or attempt ends. */
  #connectionEnded() {
    for (const name of ['connect', 'healthy', 'heartbeat', 'pong']) this.#timers.clear(name);
    this.#pingId = null;
    this.#pacer.reset();
    this.#subs.connectionEnded();
  }

  /**
   * @param {Transport} t
   * @param {{ code: number, reason: string }} end
   */
  #onClosed(t, { code, reason }) {
    if (t !== this.#transport) return;
    this.#transport = null;
    this.#gen++;
    this.#connectionEnded();
    if (this.#state === 'closing') return this.#finishClose();
    const hint = t.goodbye?.retryAfterMs ?? parseRetryAfter(reason);
    this.#emit('disconnect', { code, reason, goodbye: t.goodbye, transport: t.kind });
    this.#lost({ code, name: closeCodeName(code), hint, welcomed: t.welcomed, kind: t.kind, goodbye: t.goodbye });
  }

  /* ------------------------------------------------------------------------------------------------ frames */

  /**
   * @param {Transport} t
   * @param {Frame} f
   */
  #onFrame(t, f) {
    if (t !== this.#transport) return;
    if (!t.welcomed && f.type !== 'welcome' && f.type !== 'goodbye' && f.type !== 'error') return;
    switch (f.type) {
      case 'welcome': return this.#onWelcome(t, f);
      case 'pong': return this.#onPong(f);
      case 'subscribed': return this.#subs.onSubscribed(f);
      case 'unsubscribed': return this.#subs.onUnsubscribed(f);
      case 'event': return this.#subs.onEvent(f);
      case 'events': return this.#subs.onEvents(f, () => t === this.#transport && this.#state === 'connected');
      case 'reset': return this.#subs.onReset(f);
      case 'gap': return this.#subs.onGap(f);
      case 'published': return this.#outbox.onPublished(f);
      case 'error': return this.#onError(f);
      case 'presence': return this.#subs.onPresence(f);
      case 'token-expiring': return void this.#onTokenExpiring(f);
      case 'refreshed': return void this.#emit('token-refreshed', { expiresAt: f.tokenExpiresAt ?? f.expiresAt ?? null });
      case 'goodbye': return void this.#emit('goodbye', /** @type {MeshEventMap['goodbye']} */ ({ ...f }));
      default: return undefined; // unknown frame types are ignored (PROTOCOL 12)
    }
  }

  /**
   * @param {Transport} t
   * @param {Frame} f
   */
  #onWelcome(t, f) {
    if (t.welcomed) return;
    if (f.protocol !== PROTOCOL_VERSION) {
      return this.#fail(new MeshError(ClientErrorCodes.UNSUPPORTED_PROTOCOL,
        `the server speaks protocol ${f.protocol}; this client (${VERSION}) speaks ${PROTOCOL_VERSION}`),
      'unsupported-protocol');
    }
    this.#timers.clear('connect');
    t.welcomed = true;
    const gen = ++this.#connGen;
    this.#welcome = f;
    this.#unauthorizedRetried = false;
    this.#nextRetryAt = null;
    if (t.kind === 'websocket') {
      this.#wsEverWelcomed = true;
      this.#wsFailuresBeforeWelcome = 0;
    }
    this.#subs.welcomed(f.userId, t.urlChannels, gen);
    this.#timers.set('healthy', this.#o.healthyAfterMs, () => {
      if (this.#connGen === gen && this.#state === 'connected') this.#attempt = 0;
    });
    this.#armHeartbeat();
    const previous = this.#state;
    this.#setState('connected', previous === 'connecting' ? 'welcome' : 'reconnected', {
      attempt: this.#attempt, transport: t.kind, connectionId: f.connectionId, nodeId: f.nodeId, userId: f.userId,
    });
    if (this.#connGen !== gen || this.#state !== 'connected') return;
    // One FIFO through the pacer: the subscribes (with their positions) go before the publishes resent after them.
    if (!this.#subs.resubscribe(gen)) return;
    this.#outbox.resend(gen);
  }

  /**
   * @param {object} frame
   * @returns {boolean}
   */
  #send(frame) {
    const t = this.#transport;
    if (!t || !t.welcomed) return false;
    return t.send(frame);
  }

  /** @param {string} prefix */
  #nextId(prefix) {
    return `${prefix}${++this.#reqSeq}`;
  }

  /**
   * Retries a frame of this connection after `ms`, if it is still wanted then.
   * @param {number} ms
   * @param {() => void} fn
   */
  #later(ms, fn) {
    const gen = this.#connGen;
    this.#env.setTimeout(() => {
      if (this.#connGen === gen && this.#state === 'connected') fn();
    }, ms);
  }

  /** @param {Frame} f */
  #onError(f) {
    const error = new MeshError(f.code ?? 'error', f.message ?? f.code ?? 'error', {
      id: f.id, channel: f.channel, retryAfterMs: f.retryAfterMs,
    });
    const retryMs = f.code === ErrorCodes.RATE_LIMITED ? (f.retryAfterMs ?? this.#o.retryUnavailableMs)
      : f.code === ErrorCodes.UNAVAILABLE ? this.#o.retryUnavailableMs : null;
    if (f.id && f.id === this.#pingId) return this.#onPong(f); // the server answered: the connection is alive
    if (this.#outbox.onError(f, error, retryMs)) return;
    if (this.#subs.onRequestError(f, error, retryMs)) return;
    this.#emit('error', error);
  }

  /** @param {MeshError} error */
  #rejectAll(error) {
    this.#outbox.rejectAll(error);
    this.#subs.rejectAllWaiters(error);
  }

  /* -- heartbeat */

  #heartbeatMs() {
    const own = this.#o.heartbeatIntervalMs;
    const server = this.#welcome?.heartbeat?.intervalMs;
    // Over SSE the client's POSTs are the only thing that keeps the connection alive (PROTOCOL 7.4).
    return this.#transport?.kind === 'sse' && server > 0 ? Math.min(own, server) : own;
  }

  #armHeartbeat() {
    this.#timers.set('heartbeat', this.#heartbeatMs(), () => this.#ping());
  }

  /**
   * A ping does not wait in the pacer's queue: behind a long outbox it would reach a silently dead socket only once
   * the queue drained, and the dead socket would be noticed that much later. It costs the server a token like any
   * frame; the half of the burst the pacer never uses covers one ping per heartbeat.
   */
  #ping() {
    if (this.#state !== 'connected') return;
    this.#armHeartbeat();
    if (this.#pingId) return; // one outstanding ping at a time; its timer decides
    const t = this.#transport;
    const id = this.#nextId('p');
    if (!t || !t.open || !this.#send({ type: 'ping', id })) return this.#dead('socket-not-open');
    this.#pingId = id;
    this.#pingSentAt = this.#env.now();
    this.#timers.set('pong', this.#o.heartbeatTimeoutMs, () => this.#dead('heartbeat-timeout'));
  }

  /** @param {Frame} f */
  #onPong(f) {
    if (!this.#pingId) return;
    this.#pingId = null;
    this.#timers.clear('pong');
    this.#emit('pong', { id: f.id ?? null, rttMs: this.#env.now() - this.#pingSentAt });
  }

  /**
   * No pong in time, or a socket found closed: close it with 4000 and reconnect (PROTOCOL 4).
   * @param {'socket-not-open' | 'heartbeat-timeout'} reason
   */
  #dead(reason) {
    const t = this.#transport;
    if (!t) return;
    this.#abandon(4000, 'heartbeat-timeout');
    this.#emit('disconnect', { code: 4000, reason, goodbye: null, transport: t.kind });
    // A socket found closed on return to the page: reconnect at once; a missed pong: backoff, without the first-retry
    // spread (each page misses its pong at its own heartbeat phase, so pages are not synchronised).
    this.#lost({
      code: 4000, name: reason, hint: reason === 'socket-not-open' ? 0 : null, welcomed: t.welcomed, kind: t.kind,
      spread: false,
    });
  }

  /* -- token */

  /** @param {Frame} f */
  async #onTokenExpiring(f) {
    this.#emit('token-expiring', { expiresAt: f.expiresAt ?? null, refreshBy: f.refreshBy ?? null });
    if (!this.#o.getToken) return;
    const gen = this.#connGen;
    let token;
    try {
      token = await this.#o.getToken({ reason: 'token-expiring', expiresAt: f.expiresAt });
    } catch (err) {
      this.#emit('error', new MeshError(ClientErrorCodes.AUTH_FAILED,
        `getToken() failed: ${/** @type {any} */ (err)?.message ?? err}`, { cause: err }));
      return;
    }
    if (gen !== this.#connGen || this.#state !== 'connected' || !token) return;
    this.#token = token;
    this.#pacer.send(() => {
      if (gen !== this.#connGen) return false;
      this.#send({ type: 'refresh', id: this.#nextId('r'), token });
      return true;
    });
  }

  /* -- URLs and identity */

  #httpBase() {
    return httpBase(this.#o.url, this.#env.location);
  }

  /** The identity of a new attempt: each call numbers one more attempt of this page. */
  #identityParams() {
    return identityParams({
      sessionId: this.#sessionId, tabId: this.#tabId, pageId: this.#pageId, attempt: ++this.#pageAttempts,
    });
  }

  #newId() {
    return randomId(this.#env.getRandomValues);
  }

  /* -- page lifecycle */

  #installLifecycle() {
    this.#lifecycle.install({
      pagehide: () => this.#onPageHide(),
      pageshow: (e) => this.#onPageShow(e),
      online: () => this.#onOnline(),
      offline: () => this.#onOffline(),
      visibilitychange: () => this.#onVisibility(),
    });
  }

  #onPageHide() {
    if (!['connecting', 'connected', 'reconnecting'].includes(this.#state)) return;
    this.#suspended = true;
    this.#shutdown('pagehide');
  }

  /** @param {{ persisted?: boolean }} e */
  #onPageShow(e) {
    if (!e?.persisted) return;
    const active = ['connecting', 'connected', 'reconnecting', 'closing'].includes(this.#state);
    if (!this.#suspended && !active) return;
    // Restored from the back/forward cache: the old socket is suspect. New page, new connection, same positions.
    this.#abandon(1000, 'client-normal');
    this.#timers.clearAll();
    this.#suspended = false;
    this.#intent = null;
    this.#pageId = this.#newId();
    this.#pageAttempts = 0;
    this.#attempt = 0;
    this.#scheduleReconnect({ reason: 'pageshow', code: null, delay: 0 });
  }

  #onOffline() {
    this.#offline = true;
    this.#emit('network', { online: false });
    if (!['connecting', 'connected', 'reconnecting'].includes(this.#state)) return;
    this.#abandon(4000, 'offline');
    this.#timers.clear('reconnect');
    this.#nextRetryAt = null;
    this.#setState('reconnecting', 'offline', { attempt: this.#attempt, delayMs: null });
  }

  #onOnline() {
    this.#offline = false;
    this.#emit('network', { online: true });
    if (this.#state === 'reconnecting' && !this.#attemptUnderWay()) {
      this.#scheduleReconnect({ reason: 'online', code: null, delay: 0 });
    } else if (this.#state === 'failed' && this.#failReason === 'max-attempts') {
      this.retry();
    }
  }

  #onVisibility() {
    if (this.#env.document?.visibilityState !== 'visible') return;
    if (this.#state === 'connected') {
      if (this.#transport?.open) this.#ping();
      else this.#dead('socket-not-open');
    } else if (this.#state === 'reconnecting' && !this.#attemptUnderWay() && !this.#offline) {
      this.#open(); // the attempt already counted: only sooner
    }
  }

  /* -- events */

  /**
   * @template {keyof MeshEventMap} K
   * @param {K} type
   * @param {MeshEventMap[K]} detail
   */
  #emit(type, detail) {
    return this.#events.emit(type, detail);
  }
}
