/**
 * mesh-client.js: the browser client of Mesh, protocol 1 (docs/PROTOCOL.md).
 *
 * One ES module without dependencies, for browsers and Node 20. Everything it touches in its environment
 * (WebSocket, EventSource, fetch, timers, random numbers, sessionStorage, window, document) can be injected through
 * the options, which is how the unit tests fake them.
 *
 *   import { MeshClient } from '/mesh-client.js';
 *   const mesh = new MeshClient({ sessionId, getToken: () => myToken() });
 *   mesh.on('state', ({ state, reason, delayMs }) => banner(state, reason, delayMs));
 *   mesh.on('event', (e) => render(e));          // return a Promise to delay the ack of a critical event
 *   mesh.connect();
 *   await mesh.subscribe('chat:lobby', { presence: true, info: { name: 'Alice' } });
 *   await mesh.publish('chat:lobby', { text: 'hello' });
 *
 * States: idle -> connecting -> connected; a lost connection goes to reconnecting (backoff, hint or at once) and back
 * to connected; close() and pagehide go through closing to closed; terminal close codes and exhausted attempts end in
 * failed, from which retry() starts again. Every change is a 'state' event carrying its reason.
 */

/** Version of this client; connection-service serves it at /mesh-client.js and /mesh-client-<VERSION>.js. */
export const VERSION = '0.1.0-SNAPSHOT';

/** The wire protocol this client speaks (`welcome.protocol`). */
export const PROTOCOL_VERSION = 1;

/** Every state of the client, in no particular order. */
export const STATES = Object.freeze(['idle', 'connecting', 'connected', 'reconnecting', 'closing', 'closed', 'failed']);

/** Close codes of PROTOCOL.md section 5.1 (dev.mesh.common.protocol.CloseCodes). */
export const CloseCodes = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  ABNORMAL: 1006,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  HEARTBEAT_TIMEOUT: 4000,
  ROTATED: 4001,
  SLOW_CONSUMER: 4002,
  TOKEN_EXPIRED: 4003,
  NODE_FULL: 4004,
  NO_QUORUM: 4005,
  UNAUTHORIZED: 4500,
  FORBIDDEN: 4501,
  POLICY_VIOLATION: 4502,
  TOO_MANY_CONNECTIONS: 4503,
  REPLACED: 4504,
  KICKED: 4505,
  BAD_IDENTITY: 4506,
});

const CODE_NAMES = new Map([
  [1000, 'normal'], [1001, 'server-shutdown'], [1006, 'network-error'], [1009, 'message-too-big'],
  [1011, 'internal-error'], [4000, 'heartbeat-timeout'], [4001, 'rotated'], [4002, 'slow-consumer'],
  [4003, 'token-expired'], [4004, 'node-full'], [4005, 'no-quorum'], [4500, 'unauthorized'], [4501, 'forbidden'],
  [4502, 'policy-violation'], [4503, 'too-many-connections'], [4504, 'replaced'], [4505, 'kicked'],
  [4506, 'bad-identity'],
]);

const TERMINAL_MESSAGES = new Map([
  [4500, 'the server rejected the credentials of this connection'],
  [4501, 'the server does not allow this user to connect'],
  [4502, 'the server closed the connection for repeated protocol abuse'],
  [4503, 'this user has too many open connections: close another tab, then retry'],
  [4506, 'the session, tab or page id sent by the client was refused (a client bug)'],
]);

/** Default values of the numeric options. */
export const DEFAULTS = Object.freeze({
  transport: 'auto',
  sseFallbackAfter: 3,
  maxAttempts: 10,
  backoffBaseMs: 1000,
  backoffMaxMs: 30000,
  backoffJitter: 0.2,
  healthyAfterMs: 10000,
  connectTimeoutMs: 10000,
  heartbeatIntervalMs: 25000,
  heartbeatTimeoutMs: 10000,
  publishTimeoutMs: 10000,
  outboxLimit: 1000,
  closeTimeoutMs: 1000,
  retryUnavailableMs: 1000,
  criticalMemory: 1000,
});

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const CHANNEL_RE = /^[A-Za-z0-9_\-:.@]{1,128}$/;
const RETRY_AFTER_RE = /^retry-after=(\d+)$/;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const TAB_KEY = 'mesh.tabId';
const SESSION_KEY = 'mesh.sessionId';
/** Frame types that may arrive as named SSE events ('error' is handled apart: it is also EventSource's failure). */
const SSE_FRAME_TYPES = ['welcome', 'pong', 'subscribed', 'unsubscribed', 'event', 'reset', 'published', 'gap',
  'presence', 'token-expiring', 'refreshed', 'goodbye'];

/** An error with a stable `code` (a protocol error code, a close-code name, or one of the client's own). */
export class MeshError extends Error {
  constructor(code, message, details = undefined) {
    super(message, details && details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'MeshError';
    this.code = code;
    if (details) {
      for (const [k, v] of Object.entries(details)) if (k !== 'cause' && v !== undefined) this[k] = v;
    }
  }
}

/**
 * Delay before reconnect attempt `attempt` (1 for the first): min(base * 2^(attempt-1), max), then multiplied by
 * U(1 - jitter, 1 + jitter). The jitter comes after the cap so that clients at the cap do not synchronise.
 */
export function backoffDelay(attempt, random = Math.random, options = {}) {
  const base = options.backoffBaseMs ?? DEFAULTS.backoffBaseMs;
  const max = options.backoffMaxMs ?? DEFAULTS.backoffMaxMs;
  const jitter = options.backoffJitter ?? DEFAULTS.backoffJitter;
  const capped = Math.min(base * 2 ** Math.max(0, attempt - 1), max);
  return Math.round(capped * (1 - jitter + 2 * jitter * random()));
}

/** 128 random bits as 22 characters of base64url without padding. */
export function randomId(getRandomValues = (b) => globalThis.crypto.getRandomValues(b)) {
  const b = new Uint8Array(16);
  getRandomValues(b);
  let s = '';
  for (let i = 0; i < 15; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += B64URL[(n >> 18) & 63] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63] + B64URL[n & 63];
  }
  return s + B64URL[b[15] >> 2] + B64URL[(b[15] & 3) << 4];
}

/** The SSE resume token of PROTOCOL 7.2: `<channel>~<epoch>:<seq>` items joined by `|`. */
export function formatResumeToken(positions) {
  const items = [];
  for (const [channel, p] of positions) if (p) items.push(`${channel}~${p.epoch}:${p.seq}`);
  return items.join('|');
}

/** Parses a resume token into a Map of channel -> {epoch, seq}; malformed items are skipped. */
export function parseResumeToken(token) {
  const out = new Map();
  if (!token) return out;
  for (const item of String(token).split('|')) {
    const tilde = item.indexOf('~');
    const colon = item.lastIndexOf(':');
    if (tilde <= 0 || colon <= tilde + 1) continue;
    const seq = Number(item.slice(colon + 1));
    if (!Number.isSafeInteger(seq) || seq < 0) continue;
    out.set(item.slice(0, tilde), { epoch: item.slice(tilde + 1, colon), seq });
  }
  return out;
}

/** Whether the client reconnects after this close code (everything outside 4500-4999). */
export function shouldReconnect(code) {
  return !(code >= 4500 && code <= 4999);
}

function codeName(code) {
  if (code == null) return 'network-error';
  return CODE_NAMES.get(code) ?? (shouldReconnect(code) ? `closed-${code}` : `terminal-${code}`);
}

function parseRetryAfter(text) {
  const m = typeof text === 'string' ? RETRY_AFTER_RE.exec(text) : null;
  return m ? Number(m[1]) : null;
}

function safe(fn) {
  try {
    return fn();
  } catch {
    return null;
  }
}

function resolveEnv(o) {
  const g = globalThis;
  const isBrowser = typeof g.document === 'object' && g.document !== null && typeof g.addEventListener === 'function';
  return {
    WebSocket: o.WebSocket !== undefined ? o.WebSocket : g.WebSocket,
    EventSource: o.EventSource !== undefined ? o.EventSource : g.EventSource,
    fetch: o.fetch ?? (typeof g.fetch === 'function' ? (url, init) => g.fetch(url, init) : undefined),
    setTimeout: o.setTimeout ?? ((fn, ms) => g.setTimeout(fn, ms)),
    clearTimeout: o.clearTimeout ?? ((id) => g.clearTimeout(id)),
    now: o.now ?? (() => Date.now()),
    random: o.random ?? Math.random,
    getRandomValues: o.getRandomValues ?? ((b) => g.crypto.getRandomValues(b)),
    sessionStorage: o.sessionStorage !== undefined ? o.sessionStorage : safe(() => g.sessionStorage),
    window: o.window !== undefined ? o.window : (isBrowser ? g : null),
    document: o.document !== undefined ? o.document : (isBrowser ? g.document : null),
    location: o.location !== undefined ? o.location : g.location,
  };
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Transports: one connection attempt each. They report frames and exactly one end to their sink, unless detached. */

class WebSocketTransport {
  constructor(url, env, sink) {
    this.kind = 'websocket';
    this.url = url;
    this.sink = sink;
    this.goodbye = null;
    this.welcomed = false;
    this.ended = false;
    const ws = (this.ws = new env.WebSocket(url));
    ws.onmessage = (e) => this.#message(e.data);
    ws.onclose = (e) => this.#end(e.code, e.reason);
    ws.onerror = () => {}; // a close event always follows
  }

  get open() {
    return !this.ended && this.ws.readyState === 1;
  }

  #message(text) {
    if (this.ended) return;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      frame = null;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return this.sink.malformed(this, text);
    if (frame.type === 'goodbye') this.goodbye = frame;
    this.sink.frame(this, frame);
  }

  #end(code, reason) {
    if (this.ended) return;
    this.ended = true;
    // The close code is authoritative; a socket that died after a goodbye keeps the goodbye's code.
    const finalCode = (code === 1006 || code === 1005 || code == null) && this.goodbye ? this.goodbye.code : code;
    this.sink.closed(this, { code: finalCode ?? 1006, reason: reason ?? '' });
  }

  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Starts the closing handshake; the sink hears the end when the socket reports it. */
  close(code, reason) {
    try {
      if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reason);
    } catch {
      // an invalid state or code: the socket is going anyway
    }
  }

  /** Forgets this socket: no more callbacks, socket closed with `code`. */
  detach(code, reason) {
    this.ended = true;
    this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
    this.close(code, reason);
  }
}

class SseTransport {
  constructor(url, env, sink, postBase, getToken) {
    this.kind = 'sse';
    this.url = url;
    this.env = env;
    this.sink = sink;
    this.postBase = postBase;
    this.getToken = getToken;
    this.goodbye = null;
    this.welcomed = false;
    this.ended = false;
    this.connectionId = null;
    this.lastEventId = null;
    const es = (this.es = new env.EventSource(url, { withCredentials: true }));
    const onFrame = (e) => this.#message(e);
    for (const type of SSE_FRAME_TYPES) es.addEventListener(type, onFrame);
    es.addEventListener('message', onFrame);
    // A named `error` frame and the EventSource failure share the event name: only the frame has data.
    es.addEventListener('error', (e) => (typeof e?.data === 'string' ? onFrame(e) : this.#end(1006, 'network-error')));
  }

  get open() {
    return !this.ended && this.es.readyState !== 2;
  }

  #message(e) {
    if (this.ended) return;
    if (e.lastEventId) this.lastEventId = e.lastEventId;
    let frame;
    try {
      frame = JSON.parse(e.data);
    } catch {
      frame = null;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return this.sink.malformed(this, e.data);
    if (frame.type === 'welcome') this.connectionId = frame.connectionId;
    if (frame.type === 'goodbye') this.goodbye = frame;
    this.sink.frame(this, frame);
    // After a goodbye the stream ends; a terminal goodbye MUST close the EventSource (PROTOCOL 7.4).
    if (frame.type === 'goodbye' && !this.ended) {
      this.#end(frame.code, frame.retryAfterMs != null ? `retry-after=${frame.retryAfterMs}` : frame.reason);
    }
  }

  #end(code, reason) {
    if (this.ended) return;
    this.ended = true;
    this.es.close();
    this.sink.closed(this, { code, reason: reason ?? '' });
  }

  /** POSTs one client frame; the reply frame (if any) comes back through the sink like a stream frame. */
  send(frame, { keepalive = false } = {}) {
    if (this.ended || !this.connectionId) return false;
    const headers = { 'Content-Type': 'application/json' };
    const token = frame.type === 'refresh' ? frame.token : this.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const url = `${this.postBase}/sse/${encodeURIComponent(this.connectionId)}`;
    const init = { method: 'POST', headers, body: JSON.stringify(frame), credentials: 'include', keepalive };
    let request;
    try {
      request = Promise.resolve(this.env.fetch(url, init));
    } catch (err) {
      request = Promise.reject(err);
    }
    request.then((res) => this.#reply(frame, res), () => this.#end(1006, 'network-error'));
    return true;
  }

  async #reply(frame, res) {
    if (this.ended || frame.type === 'close') return;
    if (res.status === 204) return;
    let reply = null;
    try {
      const text = await res.text();
      reply = text ? JSON.parse(text) : null;
    } catch {
      reply = null;
    }
    if (this.ended) return;
    if (reply && typeof reply.type === 'string') this.sink.frame(this, reply);
    else if (res.status >= 400) {
      this.sink.frame(this, {
        type: 'error', id: frame.id, code: res.status >= 500 ? 'unavailable' : `http-${res.status}`,
        message: `POST /sse answered ${res.status}`,
      });
    }
    // The connection is gone from the server: the stream is dead even if it looks open.
    if (res.status === 404) this.#end(1006, 'unknown-connection');
  }

  close(code) {
    if (this.ended) return;
    if (code === 1000) this.send({ type: 'close' }, { keepalive: true });
    // EventSource has no close event: report the end on the next microtask, as a socket would (later).
    this.ended = true;
    this.es.close();
    Promise.resolve().then(() => this.sink.closed(this, { code, reason: 'client' }));
  }

  detach(code) {
    if (this.ended) return;
    if (code === 1000) this.send({ type: 'close' }, { keepalive: true });
    this.ended = true;
    this.es.close();
  }
}

/* ------------------------------------------------------------------------------------------------------------ */

/**
 * The Mesh client. See mesh-client.d.ts for the typed API and docs/PROTOCOL.md for the wire protocol.
 */
export class MeshClient {
  #o;
  #env;
  #state = 'idle';
  #listeners = new Map();
  #timers = new Map();

  #transport = null;
  #gen = 0; // bumped whenever an attempt or a connection is abandoned; async steps compare it
  #openingGen = -1; // the #gen of an attempt still getting its credential
  #connGen = 0; // bumped per welcome: "this connection"
  #attempt = 0;
  #nextRetryAt = null;
  #lastError = null;
  #failReason = null;
  #intent = null; // 'close' | 'pagehide' while closing
  #suspended = false; // closed by pagehide: pageshow(persisted) brings it back
  #offline = false;
  #lifecycleOn = false;
  #lifecycleHandlers = null;

  #useSse;
  #wsFailuresBeforeWelcome = 0;
  #wsEverWelcomed = false;

  #token = null;
  #tokenReason = 'connect';
  #needNewToken = false;
  #unauthorizedRetried = false;

  #welcome = null;
  #userChannel = null;
  #reqSeq = 0;
  #requests = new Map();
  #pingId = null;
  #pingSentAt = 0;

  #subs = new Map();
  #outbox = [];

  #sessionId;
  #tabId;
  #pageId;

  constructor(options = {}) {
    this.#o = { ...DEFAULTS };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) this.#o[k] = v;
    this.#env = resolveEnv(options);
    const o = this.#o;
    if (!['auto', 'websocket', 'sse'].includes(o.transport)) {
      throw new TypeError(`transport must be 'auto', 'websocket' or 'sse', not ${o.transport}`);
    }
    if (o.sessionId !== undefined && !ID_RE.test(o.sessionId)) {
      throw new TypeError('sessionId must be 1-64 characters of A-Z a-z 0-9 _ -');
    }
    this.#useSse = o.transport === 'sse' || (o.transport === 'auto' && !this.#env.WebSocket);
    this.#sessionId = o.sessionId ?? this.#stored(SESSION_KEY);
    this.#tabId = this.#stored(TAB_KEY);
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

  get connectionId() {
    return this.#state === 'connected' ? this.#welcome?.connectionId ?? null : null;
  }

  get userId() {
    return this.#welcome?.userId ?? null;
  }

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
    return this.#outbox.length;
  }

  /** Channels the client keeps subscribed (including its own `user:<userId>` channel once known). */
  get channels() {
    return [...this.#subs.keys()];
  }

  /** The last position surfaced for a channel, or null. */
  position(channel) {
    const p = this.#subs.get(channel)?.position;
    return p ? { epoch: p.epoch, seq: p.seq } : null;
  }

  /** Presence members of a channel subscribed with presence: [{userId, state: 'present'|'reconnecting', info}]. */
  members(channel) {
    const m = this.#subs.get(channel)?.members;
    return m ? [...m.values()].map((x) => ({ ...x })) : [];
  }

  on(type, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) {
    this.#listeners.get(type)?.delete(listener);
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
    this.#removeLifecycle();
    this.#suspended = false;
    if (this.#state === 'closed' || this.#state === 'closing') this.#intent = 'close';
    else this.#shutdown('close');
    this.#rejectAll(new MeshError('closed', 'the client was closed before the server acknowledged this message'));
  }

  /**
   * Subscribes to a channel for as long as the client lives: it is resubscribed with its position after every
   * reconnect. Resolves at the next `subscribed` for it; rejects on a request error, or when the client fails.
   */
  subscribe(channel, { presence = false, info = undefined } = {}) {
    if (typeof channel !== 'string' || !CHANNEL_RE.test(channel)) {
      return Promise.reject(new MeshError('invalid-channel', `invalid channel name: ${channel}`));
    }
    let sub = this.#subs.get(channel);
    if (!sub) this.#subs.set(channel, (sub = this.#newSub(channel)));
    const addsPresence = presence && !sub.presence;
    if (presence) sub.presence = true;
    if (info !== undefined) sub.info = info;
    const connected = this.#state === 'connected';
    if (connected && sub.subscribedOn === this.#connGen && !addsPresence) {
      return Promise.resolve(this.#subscribedResult(sub));
    }
    const promise = new Promise((resolve, reject) => sub.waiters.push({ resolve, reject }));
    if (connected && (sub.sentOn !== this.#connGen || addsPresence)) this.#sendSubscribe(sub);
    return promise;
  }

  /** Stops a subscription at once (events for it are no longer surfaced). */
  unsubscribe(channel) {
    const sub = this.#subs.get(channel);
    if (!sub) return Promise.resolve(false);
    this.#subs.delete(channel);
    this.#rejectWaiters(sub, new MeshError('unsubscribed', `unsubscribed from ${channel}`));
    if (this.#state !== 'connected' || sub.sentOn !== this.#connGen) return Promise.resolve(true);
    return new Promise((resolve) => {
      const id = this.#nextId('u');
      this.#requests.set(id, { kind: 'unsubscribe', channel, resolve });
      if (!this.#send({ type: 'unsubscribe', id, channel })) {
        this.#requests.delete(id);
        resolve(true);
      }
    });
  }

  /**
   * Publishes `data` to `channel`. Queued while not connected, sent once per connection, retried with the same id
   * after a reconnect (the server dedupes), resolved by `published`.
   */
  publish(channel, data, { critical = false, timeoutMs = this.#o.publishTimeoutMs, id = undefined } = {}) {
    if (typeof channel !== 'string' || !CHANNEL_RE.test(channel)) {
      return Promise.reject(new MeshError('invalid-channel', `invalid channel name: ${channel}`));
    }
    if (data === null || data === undefined) {
      return Promise.reject(new MeshError('invalid-data', 'data must be a JSON value other than null'));
    }
    if (id !== undefined && !ID_RE.test(id)) {
      return Promise.reject(new MeshError('invalid-id', 'id must be 1-64 characters of A-Z a-z 0-9 _ -'));
    }
    if (this.#state === 'failed') {
      return Promise.reject(new MeshError('failed', `not sent: the client failed (${this.#lastError?.message})`,
        { cause: this.#lastError }));
    }
    if ((this.#state === 'closed' || this.#state === 'closing') && !this.#suspended) {
      return Promise.reject(new MeshError('closed', 'not sent: the client is closed'));
    }
    if (this.#outbox.length >= this.#o.outboxLimit) {
      return Promise.reject(new MeshError('outbox-full',
        `not sent: ${this.#outbox.length} messages already wait for the connection (outboxLimit)`));
    }
    return new Promise((resolve, reject) => {
      const entry = { id: id ?? this.#newId(), channel, data, critical: critical === true, sentOn: -1, resolve, reject };
      entry.timer = this.#env.setTimeout(() => {
        this.#dropEntry(entry);
        reject(new MeshError('timeout', `no acknowledgement within ${timeoutMs} ms; the message may or may not `
          + `have been published (id ${entry.id})`, { id: entry.id, channel }));
      }, timeoutMs);
      this.#outbox.push(entry);
      if (this.#state === 'connected') this.#sendPublish(entry);
    });
  }

  /** Sends an application ping now (also done on the heartbeat and when the page becomes visible). */
  ping() {
    this.#ping();
  }

  /* ------------------------------------------------------------------------------------------- state machine */

  #setState(next, reason, extra = {}) {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#emit('state', { state: next, previous, reason, ...extra });
  }

  #begin(reason) {
    this.#installLifecycle();
    this.#abandon(1000, 'client-normal');
    this.#clearTimer('close');
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
    this.#clearTimer('reconnect');
    this.#nextRetryAt = null;
    const o = this.#o;
    let ticket = null;
    try {
      if (o.getToken) {
        const previous = this.#token;
        const token = await o.getToken({ reason: this.#tokenReason });
        if (gen !== this.#gen) return;
        if (this.#needNewToken && (token == null || token === previous)) {
          this.#needNewToken = false;
          this.#openingGen = -1;
          return this.#fail(new MeshError('unauthorized',
            'the server rejected the token (4500) and getToken() returned no new one', { closeCode: 4500 }),
          'unauthorized', { code: 4500 });
        }
        this.#token = token ?? null;
      }
      this.#needNewToken = false;
      if (o.getTicket) ticket = await o.getTicket({ reason: this.#tokenReason, token: this.#token });
      else if (this.#token) ticket = await this.#fetchTicket(this.#token);
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#openingGen = -1;
      const error = err instanceof MeshError ? err : new MeshError('auth-failed', `could not get a credential: ${err?.message ?? err}`, { cause: err });
      if (error.status === 401) this.#tokenReason = 'unauthorized';
      this.#lastError = error;
      this.#emit('error', error);
      return this.#lost({ code: null, name: error.code, hint: error.retryAfterMs ?? null, welcomed: false, kind: null });
    }
    if (gen !== this.#gen) return;
    this.#openingGen = -1;
    this.#tokenReason = 'connect';
    const sink = {
      frame: (t, f) => this.#onFrame(t, f),
      closed: (t, info) => this.#onClosed(t, info),
      malformed: (t, text) => t === this.#transport && this.#emit('error',
        new MeshError('malformed-frame', 'the server sent a frame that is not a JSON object with a type', { text })),
    };
    let t;
    try {
      t = this.#useSse ? this.#openSse(sink, ticket) : new WebSocketTransport(this.#wsUrl(ticket), this.#env, sink);
    } catch (err) {
      const error = new MeshError('transport', `could not open the ${this.#useSse ? 'EventSource' : 'WebSocket'}: ${err?.message ?? err}`, { cause: err });
      this.#lastError = error;
      this.#emit('error', error);
      return this.#lost({ code: null, name: 'transport', hint: null, welcomed: false, kind: this.#useSse ? 'sse' : 'websocket' });
    }
    this.#transport = t;
    this.#setTimer('connect', o.connectTimeoutMs, () => {
      if (this.#transport !== t) return;
      this.#abandon(4000, 'connect-timeout');
      this.#lost({ code: null, name: 'connect-timeout', hint: null, welcomed: false, kind: t.kind });
    });
  }

  #openSse(sink, ticket) {
    if (!this.#env.EventSource) throw new Error('no EventSource in this environment');
    const urlChannels = new Set();
    const presence = [];
    const positions = [];
    for (const sub of this.#subs.values()) {
      if (sub.presence && sub.info !== undefined) continue; // info cannot travel in the URL: POST it after welcome
      urlChannels.add(sub.channel);
      if (sub.presence) presence.push(sub.channel);
      if (sub.position) positions.push([sub.channel, sub.position]);
    }
    const q = this.#identityParams();
    if (urlChannels.size) q.set('channels', [...urlChannels].join(','));
    if (presence.length) q.set('presence', presence.join(','));
    const resume = formatResumeToken(positions);
    if (resume) q.set('resume', resume);
    if (ticket) q.set('ticket', ticket);
    const t = new SseTransport(`${this.#httpBase()}/sse?${q}`, this.#env, sink, this.#httpBase(), () => this.#token);
    t.urlChannels = urlChannels;
    return t;
  }

  /** The current attempt or connection ended without the client asking. Decide what comes next (PROTOCOL 5.3). */
  #lost({ code, name, hint, welcomed, kind, goodbye = null }) {
    if (kind === 'websocket' && !welcomed && shouldReconnect(code ?? 1006)) {
      this.#wsFailuresBeforeWelcome++;
      if (this.#o.transport === 'auto' && !this.#wsEverWelcomed && this.#env.EventSource
          && this.#wsFailuresBeforeWelcome >= this.#o.sseFallbackAfter) {
        this.#useSse = true;
        this.#emit('transport', { transport: 'sse', reason: 'websocket-failed', failures: this.#wsFailuresBeforeWelcome });
      }
    }
    if (code != null && !shouldReconnect(code)) return this.#terminal(code, goodbye);
    let delay = hint;
    if (code === CloseCodes.ROTATED) delay = 0;
    if (code === CloseCodes.TOKEN_EXPIRED) {
      delay = 0;
      this.#tokenReason = 'token-expired';
    }
    this.#scheduleReconnect({ reason: name ?? codeName(code), code, delay });
  }

  #terminal(code, goodbye) {
    const reason = codeName(code);
    if (code === CloseCodes.REPLACED) return this.#stop(reason, { code });
    if (code === CloseCodes.KICKED) {
      return this.#stop(reason, { code, error: new MeshError(reason, goodbye?.message ?? 'the server closed this connection (kicked)', { closeCode: code }) });
    }
    if (code === CloseCodes.UNAUTHORIZED && this.#o.getToken && !this.#unauthorizedRetried) {
      // 4500 is terminal unless the token callback yields a new token (PROTOCOL 5.3).
      this.#unauthorizedRetried = true;
      this.#needNewToken = true;
      this.#tokenReason = 'unauthorized';
      return this.#scheduleReconnect({ reason, code, delay: 0 });
    }
    const text = TERMINAL_MESSAGES.get(code) ?? `the server closed the connection with terminal code ${code}`;
    const message = goodbye?.message ? `${text}: ${goodbye.message}` : text;
    this.#fail(new MeshError(reason, `${message} (close ${code})`, { closeCode: code }), reason, { code });
  }

  #scheduleReconnect({ reason, code, delay }) {
    this.#clearTimer('reconnect');
    if (this.#offline) {
      this.#nextRetryAt = null;
      this.#setState('reconnecting', 'offline', { code, attempt: this.#attempt, delayMs: null });
      return;
    }
    const attempt = ++this.#attempt;
    if (attempt > this.#o.maxAttempts) {
      const last = this.#lastError ? `: ${this.#lastError.message}` : ` (last: ${reason})`;
      return this.#fail(new MeshError('max-attempts',
        `could not connect after ${this.#o.maxAttempts} reconnect attempts${last}`, { cause: this.#lastError ?? undefined }),
      'max-attempts', { code });
    }
    const delayMs = delay ?? backoffDelay(attempt, this.#env.random, this.#o);
    this.#nextRetryAt = this.#env.now() + delayMs;
    this.#setTimer('reconnect', delayMs, () => this.#open());
    const detail = { reason, code, attempt, delayMs };
    this.#setState('reconnecting', reason, detail);
    this.#emit('reconnect', detail);
  }

  #fail(error, reason, extra = {}) {
    this.#abandon(1000, 'client-normal');
    this.#clearAllTimers();
    this.#lastError = error;
    this.#failReason = reason;
    this.#nextRetryAt = null;
    this.#rejectAll(new MeshError('failed', `not sent: the client failed (${error.message})`, { cause: error }));
    this.#setState('failed', reason, { ...extra, error });
  }

  /** Terminal but expected (replaced, kicked): closed, no reconnect. */
  #stop(reason, extra) {
    this.#abandon(1000, 'client-normal');
    this.#clearAllTimers();
    this.#nextRetryAt = null;
    if (extra.error) this.#lastError = extra.error;
    this.#rejectAll(new MeshError('closed', `not sent: the connection was closed (${reason})`));
    this.#setState('closed', reason, extra);
  }

  /** Intentional close (app or pagehide): closing, then closed when the transport has ended. */
  #shutdown(intent) {
    this.#clearAllTimers();
    this.#nextRetryAt = null;
    this.#intent = intent;
    const t = this.#transport;
    if (t) {
      this.#gen++;
      this.#setState('closing', intent);
      if (this.#state !== 'closing' || this.#transport !== t) return;
      t.close(1000, 'client-normal');
      this.#setTimer('close', this.#o.closeTimeoutMs, () => this.#finishClose());
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
    this.#clearTimer('close');
    this.#connectionEnded();
    this.#setState('closed', this.#intent ?? 'close');
  }

  /** Drops the current transport without hearing from it again. */
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
    for (const name of ['connect', 'healthy', 'heartbeat', 'pong']) this.#clearTimer(name);
    this.#pingId = null;
    for (const req of this.#requests.values()) if (req.kind === 'unsubscribe') req.resolve(true);
    this.#requests.clear();
  }

  #onClosed(t, { code, reason }) {
    if (t !== this.#transport) return;
    this.#transport = null;
    this.#gen++;
    this.#connectionEnded();
    if (this.#state === 'closing') return this.#finishClose();
    const hint = t.goodbye?.retryAfterMs ?? parseRetryAfter(reason);
    this.#emit('disconnect', { code, reason, goodbye: t.goodbye, transport: t.kind });
    this.#lost({ code, name: codeName(code), hint, welcomed: t.welcomed, kind: t.kind, goodbye: t.goodbye });
  }

  /* ------------------------------------------------------------------------------------------------ frames */

  #onFrame(t, f) {
    if (t !== this.#transport) return;
    if (!t.welcomed && f.type !== 'welcome' && f.type !== 'goodbye' && f.type !== 'error') return;
    switch (f.type) {
      case 'welcome': return this.#onWelcome(t, f);
      case 'pong': return this.#onPong(f);
      case 'subscribed': return this.#onSubscribed(f);
      case 'unsubscribed': return this.#onUnsubscribed(f);
      case 'event': return this.#onEvent(f);
      case 'reset': return this.#onReset(f);
      case 'gap': return this.#onGap(f);
      case 'published': return this.#onPublished(f);
      case 'error': return this.#onError(f);
      case 'presence': return this.#onPresence(f);
      case 'token-expiring': return this.#onTokenExpiring(f);
      case 'refreshed': return this.#emit('token-refreshed', { expiresAt: f.tokenExpiresAt ?? f.expiresAt ?? null });
      case 'goodbye': return this.#emit('goodbye', { ...f });
      default: return undefined; // unknown frame types are ignored (PROTOCOL 12)
    }
  }

  #onWelcome(t, f) {
    if (t.welcomed) return;
    if (f.protocol !== PROTOCOL_VERSION) {
      return this.#fail(new MeshError('unsupported-protocol',
        `the server speaks protocol ${f.protocol}; this client (${VERSION}) speaks ${PROTOCOL_VERSION}`),
      'unsupported-protocol');
    }
    this.#clearTimer('connect');
    t.welcomed = true;
    const gen = ++this.#connGen;
    this.#welcome = f;
    this.#unauthorizedRetried = false;
    this.#nextRetryAt = null;
    if (t.kind === 'websocket') {
      this.#wsEverWelcomed = true;
      this.#wsFailuresBeforeWelcome = 0;
    }
    const userChannel = `user:${f.userId}`;
    if (this.#userChannel && this.#userChannel !== userChannel) this.#subs.delete(this.#userChannel);
    this.#userChannel = userChannel;
    if (!this.#subs.has(userChannel)) this.#subs.set(userChannel, this.#newSub(userChannel));
    if (t.urlChannels) {
      for (const ch of t.urlChannels) {
        const sub = this.#subs.get(ch);
        if (sub) sub.sentOn = gen;
      }
    }
    this.#setTimer('healthy', this.#o.healthyAfterMs, () => {
      if (this.#connGen === gen && this.#state === 'connected') this.#attempt = 0;
    });
    this.#armHeartbeat();
    const previous = this.#state;
    this.#setState('connected', previous === 'connecting' ? 'welcome' : 'reconnected', {
      attempt: this.#attempt, transport: t.kind, connectionId: f.connectionId, nodeId: f.nodeId, userId: f.userId,
    });
    if (this.#connGen !== gen || this.#state !== 'connected') return;
    const user = this.#subs.get(userChannel);
    if (user && user.sentOn !== gen) this.#sendSubscribe(user);
    for (const sub of this.#subs.values()) {
      if (this.#connGen !== gen) return;
      if (sub.sentOn !== gen) this.#sendSubscribe(sub);
    }
    for (const entry of [...this.#outbox]) {
      if (this.#connGen !== gen) return;
      if (entry.sentOn !== gen) this.#sendPublish(entry);
    }
  }

  #send(frame) {
    const t = this.#transport;
    if (!t || !t.welcomed) return false;
    return t.send(frame);
  }

  #nextId(prefix) {
    return `${prefix}${++this.#reqSeq}`;
  }

  /* -- heartbeat */

  #heartbeatMs() {
    const own = this.#o.heartbeatIntervalMs;
    const server = this.#welcome?.heartbeat?.intervalMs;
    // Over SSE the client's POSTs are the only thing that keeps the connection alive (PROTOCOL 7.4).
    return this.#transport?.kind === 'sse' && server > 0 ? Math.min(own, server) : own;
  }

  #armHeartbeat() {
    this.#setTimer('heartbeat', this.#heartbeatMs(), () => this.#ping());
  }

  #ping() {
    if (this.#state !== 'connected') return;
    this.#armHeartbeat();
    if (this.#pingId) return; // one outstanding ping at a time; its timer decides
    const t = this.#transport;
    const id = this.#nextId('p');
    if (!t || !t.open || !this.#send({ type: 'ping', id })) return this.#dead('socket-not-open');
    this.#pingId = id;
    this.#pingSentAt = this.#env.now();
    this.#setTimer('pong', this.#o.heartbeatTimeoutMs, () => this.#dead('heartbeat-timeout'));
  }

  #onPong(f) {
    if (!this.#pingId) return;
    this.#pingId = null;
    this.#clearTimer('pong');
    this.#emit('pong', { id: f.id ?? null, rttMs: this.#env.now() - this.#pingSentAt });
  }

  /** No pong in time, or a socket found closed: close it with 4000 and reconnect (PROTOCOL 4). */
  #dead(reason) {
    const t = this.#transport;
    if (!t) return;
    this.#abandon(4000, 'heartbeat-timeout');
    this.#emit('disconnect', { code: 4000, reason, goodbye: null, transport: t.kind });
    // A socket found closed on return to the page: reconnect at once; a missed pong: backoff.
    this.#lost({ code: 4000, name: reason, hint: reason === 'socket-not-open' ? 0 : null, welcomed: t.welcomed, kind: t.kind });
  }

  /* -- subscriptions, positions, dedupe, acks */

  #newSub(channel) {
    return {
      channel, presence: false, info: undefined, position: null, waiters: [], sentOn: -1, subscribedOn: -1,
      members: null, critical: new Set(), inflight: new Set(), done: new Set(), ackSent: 0, connMax: 0,
      gapAnnounced: false,
    };
  }

  #sendSubscribe(sub) {
    const id = this.#nextId('s');
    const frame = { type: 'subscribe', id, channel: sub.channel };
    if (sub.position) frame.position = { epoch: sub.position.epoch, seq: sub.position.seq };
    if (sub.presence) frame.presence = true;
    if (sub.presence && sub.info !== undefined) frame.info = sub.info;
    sub.sentOn = this.#connGen;
    this.#requests.set(id, { kind: 'subscribe', channel: sub.channel, frame });
    this.#send(frame);
  }

  #subscribedResult(sub) {
    return {
      channel: sub.channel,
      position: sub.position ? { ...sub.position } : null,
      presence: sub.members ? this.members(sub.channel) : null,
    };
  }

  #adopt(sub, position) {
    if (!sub.position || sub.position.epoch !== position.epoch) {
      sub.position = { epoch: position.epoch, seq: position.seq };
      this.#newEpoch(sub);
    } else if (position.seq > sub.position.seq) {
      sub.position.seq = position.seq;
    }
  }

  #newEpoch(sub) {
    sub.critical.clear();
    sub.inflight.clear();
    sub.done.clear();
    sub.ackSent = 0;
    sub.connMax = 0;
  }

  #onSubscribed(f) {
    if (f.id) this.#requests.delete(f.id);
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.position) return;
    // Over SSE a POSTed subscribe is answered twice: in the POST reply and on the stream.
    const repeat = sub.subscribedOn === this.#connGen && !f.presence && sub.waiters.length === 0
      && sub.position?.epoch === f.position.epoch;
    this.#adopt(sub, f.position);
    if (repeat) return;
    const firstOnConnection = sub.subscribedOn !== this.#connGen;
    sub.subscribedOn = this.#connGen;
    sub.sentOn = this.#connGen;
    sub.connMax = Math.max(firstOnConnection ? 0 : sub.connMax, f.position.seq);
    if (f.presence) {
      sub.members = new Map();
      for (const m of f.presence.members ?? []) {
        sub.members.set(m.userId, { userId: m.userId, state: m.state ?? 'present', info: m.info ?? null });
      }
      this.#emit('presence', {
        channel: sub.channel, action: 'snapshot', member: null, members: this.members(sub.channel),
        joined: f.presence.joined !== false, count: f.presence.count ?? sub.members.size, truncated: !!f.presence.truncated,
      });
    }
    const result = this.#subscribedResult(sub);
    for (const w of sub.waiters.splice(0)) w.resolve(result);
    this.#emit('subscribed', result);
    this.#flushAck(sub, false);
  }

  #onUnsubscribed(f) {
    const req = f.id ? this.#requests.get(f.id) : null;
    if (req) {
      this.#requests.delete(f.id);
      req.resolve?.(true);
    }
  }

  #onReset(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.position) return;
    const previous = sub.position ? { ...sub.position } : null;
    sub.position = { epoch: f.position.epoch, seq: f.position.seq };
    if (!previous || previous.epoch !== f.position.epoch) this.#newEpoch(sub);
    sub.connMax = Math.max(sub.connMax, f.position.seq);
    sub.gapAnnounced = false;
    this.#emit('reset', { channel: f.channel, reason: f.reason, position: { ...sub.position }, previous });
  }

  #onGap(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub) return;
    sub.gapAnnounced = true;
    this.#emit('gap', { channel: f.channel, dropped: f.dropped ?? 0, detected: false });
  }

  #onEvent(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || typeof f.seq !== 'number') return;
    if (!sub.position || sub.position.epoch !== f.epoch) {
      // The server sends `reset` before a new epoch; if one is missed, tell the application all the same.
      const previous = sub.position ? { ...sub.position } : null;
      sub.position = { epoch: f.epoch, seq: Math.max(0, f.seq - 1) };
      this.#newEpoch(sub);
      if (previous) this.#emit('reset', { channel: f.channel, reason: 'epoch-changed', position: { ...sub.position }, previous });
    }
    sub.connMax = Math.max(sub.connMax, f.seq);
    const critical = f.critical === true;
    const pos = sub.position;
    const fresh = f.seq > pos.seq;
    if (!fresh && !(critical && !sub.critical.has(f.seq))) {
      if (critical) this.#flushAck(sub, true);
      this.#emit('duplicate', { channel: f.channel, seq: f.seq, id: f.id ?? null, critical });
      return;
    }
    if (fresh) {
      if (f.seq > pos.seq + 1 && !sub.gapAnnounced) {
        this.#emit('gap', { channel: f.channel, dropped: f.seq - pos.seq - 1, detected: true });
      }
      sub.gapAnnounced = false;
      pos.seq = f.seq;
    }
    if (critical) {
      sub.critical.add(f.seq);
      if (sub.critical.size > this.#o.criticalMemory) sub.critical.delete(sub.critical.values().next().value);
      sub.inflight.add(f.seq);
    }
    const event = {
      channel: f.channel, epoch: f.epoch, seq: f.seq, id: f.id ?? null, ts: f.ts ?? null, data: f.data, critical,
    };
    const { threw, promises } = this.#emit('event', event);
    if (!critical) return;
    const epoch = f.epoch;
    if (threw) return this.#criticalFailed(sub, f.seq, epoch);
    if (promises.length === 0) return this.#criticalDone(sub, f.seq, epoch);
    Promise.allSettled(promises).then((results) => {
      if (results.every((r) => r.status === 'fulfilled')) this.#criticalDone(sub, f.seq, epoch);
      else this.#criticalFailed(sub, f.seq, epoch);
    });
  }

  #criticalDone(sub, seq, epoch) {
    if (this.#subs.get(sub.channel) !== sub || sub.position?.epoch !== epoch) return;
    sub.inflight.delete(seq);
    sub.done.add(seq);
    this.#flushAck(sub, false);
  }

  /** The handler threw or rejected: no ack. The event stays unacknowledged and is surfaced again on redelivery. */
  #criticalFailed(sub, seq, epoch) {
    if (this.#subs.get(sub.channel) !== sub || sub.position?.epoch !== epoch) return;
    sub.critical.delete(seq);
  }

  /**
   * Sends the cumulative ack: the highest handled critical seq below every critical still being handled (an ack
   * covers every critical event up to its seq), never above what this connection delivered (the server refuses
   * that). `force` re-acks for a redelivered duplicate, whose earlier ack may have been lost with its connection.
   */
  #flushAck(sub, force) {
    if (this.#state !== 'connected' || sub.subscribedOn !== this.#connGen) return;
    let limit = Infinity;
    for (const s of sub.inflight) limit = Math.min(limit, s);
    let seq = 0;
    for (const s of sub.done) if (s < limit && s <= sub.connMax && s > seq) seq = s;
    if (force) seq = Math.max(seq, Math.min(sub.ackSent, sub.connMax, limit - 1));
    if (seq <= 0 || (!force && seq <= sub.ackSent)) return;
    if (!this.#send({ type: 'ack', channel: sub.channel, seq })) return;
    sub.ackSent = Math.max(sub.ackSent, seq);
    for (const s of sub.done) if (s <= seq) sub.done.delete(s);
  }

  #onPresence(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.member?.userId) return;
    if (!sub.members) sub.members = new Map();
    const known = sub.members.get(f.member.userId);
    const info = f.member.info ?? known?.info ?? null;
    if (f.action === 'leave') sub.members.delete(f.member.userId);
    else if (f.action === 'join') sub.members.set(f.member.userId, { userId: f.member.userId, state: 'present', info });
    else if (f.action === 'reconnecting') sub.members.set(f.member.userId, { userId: f.member.userId, state: 'reconnecting', info });
    else return;
    this.#emit('presence', { channel: f.channel, action: f.action, member: { userId: f.member.userId, info }, members: this.members(f.channel) });
  }

  /* -- outbox */

  #sendPublish(entry) {
    entry.sentOn = this.#connGen;
    const frame = { type: 'publish', id: entry.id, channel: entry.channel, data: entry.data };
    if (entry.critical) frame.critical = true;
    this.#send(frame);
  }

  #dropEntry(entry) {
    const i = this.#outbox.indexOf(entry);
    if (i >= 0) this.#outbox.splice(i, 1);
    this.#env.clearTimeout(entry.timer);
    return i >= 0;
  }

  #onPublished(f) {
    const entry = this.#outbox.find((e) => e.id === f.id);
    if (!entry) return;
    this.#dropEntry(entry);
    entry.resolve({ id: f.id, channel: f.channel, epoch: f.epoch, seq: f.seq, duplicate: f.duplicate === true });
  }

  /** Retries a frame of this connection after `ms`, if it is still wanted then. */
  #later(ms, fn) {
    const gen = this.#connGen;
    this.#env.setTimeout(() => {
      if (this.#connGen === gen && this.#state === 'connected') fn();
    }, ms);
  }

  #onError(f) {
    const error = new MeshError(f.code ?? 'error', f.message ?? f.code ?? 'error', {
      id: f.id, channel: f.channel, retryAfterMs: f.retryAfterMs,
    });
    const retryMs = f.code === 'rate-limited' ? (f.retryAfterMs ?? this.#o.retryUnavailableMs)
      : f.code === 'unavailable' ? this.#o.retryUnavailableMs : null;
    if (f.id && f.id === this.#pingId) return this.#onPong(f); // the server answered: the connection is alive
    const entry = f.id ? this.#outbox.find((e) => e.id === f.id) : null;
    if (entry) {
      if (retryMs != null) return this.#later(retryMs, () => this.#outbox.includes(entry) && this.#sendPublish(entry));
      this.#dropEntry(entry);
      return entry.reject(error);
    }
    const req = f.id ? this.#requests.get(f.id) : null;
    if (req) {
      this.#requests.delete(f.id);
      if (req.kind === 'unsubscribe') return req.resolve(f.code === 'not-subscribed');
      if (req.kind === 'subscribe') {
        const sub = this.#subs.get(req.channel);
        if (sub && retryMs != null) return this.#later(retryMs, () => this.#subs.get(req.channel) === sub && this.#sendSubscribe(sub));
        if (sub) {
          this.#subs.delete(req.channel);
          if (sub.waiters.length) return this.#rejectWaiters(sub, error);
        }
      }
    }
    this.#emit('error', error);
  }

  #rejectWaiters(sub, error) {
    for (const w of sub.waiters.splice(0)) w.reject(error);
  }

  #rejectAll(error) {
    for (const entry of this.#outbox.splice(0)) {
      this.#env.clearTimeout(entry.timer);
      entry.reject(error);
    }
    for (const sub of this.#subs.values()) this.#rejectWaiters(sub, error);
  }

  /* -- token */

  async #onTokenExpiring(f) {
    this.#emit('token-expiring', { expiresAt: f.expiresAt ?? null, refreshBy: f.refreshBy ?? null });
    if (!this.#o.getToken) return;
    const gen = this.#connGen;
    let token;
    try {
      token = await this.#o.getToken({ reason: 'token-expiring', expiresAt: f.expiresAt });
    } catch (err) {
      return this.#emit('error', new MeshError('auth-failed', `getToken() failed: ${err?.message ?? err}`, { cause: err }));
    }
    if (gen !== this.#connGen || this.#state !== 'connected' || !token) return;
    this.#token = token;
    this.#send({ type: 'refresh', id: this.#nextId('r'), token });
  }

  async #fetchTicket(token) {
    if (!this.#env.fetch) throw new MeshError('auth-failed', 'no fetch in this environment to get a ticket');
    let res;
    try {
      res = await this.#env.fetch(`${this.#httpBase()}/auth/ticket`, {
        method: 'POST', headers: { Authorization: `Bearer ${token}` }, credentials: 'include', cache: 'no-store',
      });
    } catch (err) {
      throw new MeshError('network-error', `POST /auth/ticket failed: ${err?.message ?? err}`, { cause: err });
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (res.status !== 200 || typeof body?.ticket !== 'string') {
      const cause = body?.cause ? ` (${body.cause})` : '';
      throw new MeshError(res.status === 401 ? 'unauthorized' : 'ticket-failed',
        `POST /auth/ticket answered ${res.status}${cause}`, { status: res.status, retryAfterMs: body?.retryAfterMs });
    }
    return body.ticket;
  }

  /* -- URLs and identity */

  #httpBase() {
    let base = this.#o.url ?? this.#env.location?.origin;
    if (!base) throw new TypeError('url is required outside a browser');
    base = String(base).replace(/\/+$/, '');
    return base.replace(/^ws(s?):/i, 'http$1:');
  }

  #identityParams() {
    return new URLSearchParams({ session: this.#sessionId, tab: this.#tabId, page: this.#pageId });
  }

  #wsUrl(ticket) {
    const q = this.#identityParams();
    if (ticket) q.set('ticket', ticket);
    return `${this.#httpBase().replace(/^http/i, 'ws')}/ws?${q}`;
  }

  #newId() {
    return randomId(this.#env.getRandomValues);
  }

  #stored(key) {
    const storage = this.#env.sessionStorage;
    let id = safe(() => storage?.getItem(key));
    if (!id || !ID_RE.test(id)) {
      id = this.#newId();
      safe(() => storage?.setItem(key, id));
    }
    return id;
  }

  /* -- page lifecycle */

  #installLifecycle() {
    if (this.#lifecycleOn) return;
    const win = this.#env.window;
    const doc = this.#env.document;
    this.#lifecycleHandlers = {
      pagehide: () => this.#onPageHide(),
      pageshow: (e) => this.#onPageShow(e),
      online: () => this.#onOnline(),
      offline: () => this.#onOffline(),
      visibilitychange: () => this.#onVisibility(),
    };
    const h = this.#lifecycleHandlers;
    // Never `unload` or `beforeunload`: they make the page ineligible for the back/forward cache.
    win?.addEventListener?.('pagehide', h.pagehide);
    win?.addEventListener?.('pageshow', h.pageshow);
    win?.addEventListener?.('online', h.online);
    win?.addEventListener?.('offline', h.offline);
    doc?.addEventListener?.('visibilitychange', h.visibilitychange);
    this.#lifecycleOn = true;
  }

  #removeLifecycle() {
    if (!this.#lifecycleOn) return;
    const win = this.#env.window;
    const doc = this.#env.document;
    const h = this.#lifecycleHandlers;
    win?.removeEventListener?.('pagehide', h.pagehide);
    win?.removeEventListener?.('pageshow', h.pageshow);
    win?.removeEventListener?.('online', h.online);
    win?.removeEventListener?.('offline', h.offline);
    doc?.removeEventListener?.('visibilitychange', h.visibilitychange);
    this.#lifecycleOn = false;
  }

  #onPageHide() {
    if (!['connecting', 'connected', 'reconnecting'].includes(this.#state)) return;
    this.#suspended = true;
    this.#shutdown('pagehide');
  }

  #onPageShow(e) {
    if (!e?.persisted) return;
    const active = ['connecting', 'connected', 'reconnecting', 'closing'].includes(this.#state);
    if (!this.#suspended && !active) return;
    // Restored from the back/forward cache: the old socket is suspect. New page, new connection, same positions.
    this.#abandon(1000, 'client-normal');
    this.#clearAllTimers();
    this.#suspended = false;
    this.#intent = null;
    this.#pageId = this.#newId();
    this.#attempt = 0;
    this.#scheduleReconnect({ reason: 'pageshow', code: null, delay: 0 });
  }

  #onOffline() {
    this.#offline = true;
    this.#emit('network', { online: false });
    if (!['connecting', 'connected', 'reconnecting'].includes(this.#state)) return;
    this.#abandon(4000, 'offline');
    this.#clearTimer('reconnect');
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

  /* -- timers and events */

  #setTimer(name, ms, fn) {
    this.#clearTimer(name);
    const id = this.#env.setTimeout(() => {
      if (this.#timers.get(name) !== id) return;
      this.#timers.delete(name);
      fn();
    }, ms);
    this.#timers.set(name, id);
  }

  #clearTimer(name) {
    const id = this.#timers.get(name);
    if (id === undefined) return;
    this.#timers.delete(name);
    this.#env.clearTimeout(id);
  }

  #clearAllTimers() {
    for (const name of [...this.#timers.keys()]) this.#clearTimer(name);
  }

  #emit(type, detail) {
    const out = { threw: false, promises: [] };
    const set = this.#listeners.get(type);
    if (!set) return out;
    for (const fn of [...set]) {
      try {
        const r = fn(detail);
        if (r && typeof r.then === 'function') out.promises.push(r);
      } catch (err) {
        out.threw = true;
        if (type === 'error') {
          globalThis.console?.error?.('mesh-client: an error listener threw', err);
        } else {
          this.#emit('error', new MeshError('listener', `a '${type}' listener threw: ${err?.message ?? err}`, { cause: err }));
        }
      }
    }
    return out;
  }
}
