/**
 * mesh-client: the browser client of Mesh, protocol 1 (docs/PROTOCOL.md).
 *
 * ES modules without dependencies, for browsers and Node 20. Everything it touches in its environment (WebSocket,
 * EventSource, fetch, timers, random numbers, sessionStorage, window, document) can be injected through the options,
 * which is how the unit tests fake them.
 *
 *   import { MeshClient } from '/mesh-client.js';
 *   const mesh = new MeshClient({ sessionId, getToken: () => myToken() });
 *   mesh.on('state', ({ state, reason, delayMs }) => banner(state, reason, delayMs));
 *   mesh.on('event', (e) => render(e));          // return a Promise to delay the ack of a critical event
 *   mesh.connect();
 *   await mesh.subscribe('chat:lobby', { presence: true, info: { name: 'Alice' } });
 *   await mesh.publish('chat:lobby', { text: 'hello' });
 *
 * This file is the public entry: it lists everything the package exports. connection-service serves the same API as
 * one file, /mesh-client.js, assembled from these modules (connection-service/src/main/js/README.md).
 */
// GENERATED from connection-service/src/main/js/mesh-client/src/*.js by connection-service/src/main/js/assemble.mjs: edit the modules,
// then run `npm run build:client`. `npm test` fails while this file differs from a fresh assembly.

/* ---------------------------------------- src/version.js */

/** Version of this client, equal to the Mesh version that serves it (/mesh-client.js and /mesh-client-<VERSION>.js). */
export const VERSION = '0.1.0-SNAPSHOT';

/** The wire protocol this client speaks (`welcome.protocol`). */
export const PROTOCOL_VERSION = 1;

/* ---------------------------------------- src/codes.js */

// Close codes, error codes and the client's error type: the one place the client spells them. ClientCodesTest (Java,
// connection-service) checks CloseCodes and ErrorCodes against the server's CloseCode and ErrorCode enums.


/** Close codes of PROTOCOL 5.1 (dev.mesh.common.protocol.CloseCode; ABNORMAL is only ever observed, never sent). */
export const CloseCodes = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  HEARTBEAT_TIMEOUT: 4000,
  ROTATED: 4001,
  SLOW_CONSUMER: 4002,
  TOKEN_EXPIRED: 4003,
  NODE_FULL: 4004,
  NO_QUORUM: 4005,
  DEFERRED: 4006,
  UNAUTHORIZED: 4500,
  FORBIDDEN: 4501,
  POLICY_VIOLATION: 4502,
  TOO_MANY_CONNECTIONS: 4503,
  REPLACED: 4504,
  KICKED: 4505,
  BAD_IDENTITY: 4506,
  STALE_ATTEMPT: 4507,
});

/** Codes of the server's `error` frames (PROTOCOL 3.4). */
export const ErrorCodes = Object.freeze({
  MALFORMED_JSON: 'malformed-json',
  UNKNOWN_TYPE: 'unknown-type',
  MISSING_FIELD: 'missing-field',
  INVALID_FIELD: 'invalid-field',
  UNSUPPORTED_FRAME: 'unsupported-frame',
  RATE_LIMITED: 'rate-limited',
  FORBIDDEN: 'forbidden',
  TOO_MANY_SUBSCRIPTIONS: 'too-many-subscriptions',
  NOT_SUBSCRIBED: 'not-subscribed',
  UNAVAILABLE: 'unavailable',
  TOO_LARGE: 'too-large',
  TOO_MANY_CHANNELS: 'too-many-channels',
  UNKNOWN_CONNECTION: 'unknown-connection',
});

/** Codes of the errors the client raises itself (MeshError.code), next to the server's and the close-code names. */
export const ClientErrorCodes = Object.freeze({
  TIMEOUT: 'timeout',
  OUTBOX_FULL: 'outbox-full',
  FAILED: 'failed',
  CLOSED: 'closed',
  MAX_ATTEMPTS: 'max-attempts',
  UNAUTHORIZED: 'unauthorized',
  UNSUPPORTED_PROTOCOL: 'unsupported-protocol',
  INVALID_CHANNEL: 'invalid-channel',
  INVALID_DATA: 'invalid-data',
  INVALID_ID: 'invalid-id',
  UNSUBSCRIBED: 'unsubscribed',
  AUTH_FAILED: 'auth-failed',
  TICKET_FAILED: 'ticket-failed',
  NETWORK_ERROR: 'network-error',
  CONNECT_TIMEOUT: 'connect-timeout',
  TRANSPORT: 'transport',
  MALFORMED_FRAME: 'malformed-frame',
  LISTENER: 'listener',
});

/**
 * Reasons of an `unsubscribed` frame the client did not ask for (PROTOCOL 3.3): the server ended the subscription
 * (an integration called mesh.connection.unsubscribe or the server API's `unsubscribe`).
 */
export const UnsubscribeReasons = Object.freeze({
  SERVER: 'server',
});

/** Names of close codes as the client reports them (state reasons, MeshError codes of terminal closes). */
const CLOSE_CODE_NAMES = new Map([
  [1000, 'normal'], [1001, 'server-shutdown'], [1002, 'protocol-error'], [1006, 'network-error'],
  [1009, 'message-too-big'],
  [1011, 'internal-error'], [4000, 'heartbeat-timeout'], [4001, 'rotated'], [4002, 'slow-consumer'],
  [4003, 'token-expired'], [4004, 'node-full'], [4005, 'no-quorum'], [4006, 'deferred'],
  [4500, 'unauthorized'],
  [4501, 'forbidden'],
  [4502, 'policy-violation'], [4503, 'too-many-connections'], [4504, 'replaced'], [4505, 'kicked'],
  [4506, 'bad-identity'], [4507, 'stale-attempt'],
]);

const TERMINAL_MESSAGES = new Map([
  [4500, 'the server rejected the credentials of this connection'],
  [4501, 'the server does not allow this user to connect'],
  [4502, 'the server closed the connection for repeated protocol abuse'],
  [4503, 'this user has too many open connections: close another tab, then retry'],
  [4506, 'the session, tab or page id sent by the client was refused (a client bug)'],
]);

const RETRY_AFTER_RE = /^retry-after=(\d+)$/;

/**
 * Whether the client reconnects after this close code (everything outside 4500-4999).
 * @param {number} code
 * @returns {boolean}
 */
export function shouldReconnect(code) {
  return !(code >= 4500 && code <= 4999);
}

/**
 * The name of a close code; an unknown code is named by its range. No code at all is a network error.
 * @param {number | null | undefined} code
 * @returns {string}
 */
function closeCodeName(code) {
  if (code == null) return 'network-error';
  return CLOSE_CODE_NAMES.get(code) ?? (shouldReconnect(code) ? `closed-${code}` : `terminal-${code}`);
}

/**
 * What to tell the user about a terminal close code.
 * @param {number} code
 * @returns {string}
 */
function terminalMessage(code) {
  return TERMINAL_MESSAGES.get(code) ?? `the server closed the connection with terminal code ${code}`;
}

/**
 * The retry-after hint of a close reason (PROTOCOL 5.2: exactly `retry-after=<ms>`), or null.
 * @param {unknown} reason
 * @returns {number | null}
 */
function parseRetryAfter(reason) {
  const m = typeof reason === 'string' ? RETRY_AFTER_RE.exec(reason) : null;
  return m ? Number(m[1]) : null;
}

/**
 * The close reason carrying a retry-after hint.
 * @param {number} ms
 * @returns {string}
 */
function retryAfterReason(ms) {
  return `retry-after=${ms}`;
}


/** An error with a stable `code` (a protocol error code, a close-code name, or one of the client's own). */
export class MeshError extends Error {
  /**
   * @param {MeshClientErrorCode | (string & {})} code
   * @param {string} message
   * @param {MeshErrorDetails} [details] set on the error when defined; `cause` becomes the standard cause
   */
  constructor(code, message, details = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    /** @type {'MeshError'} */
    this.name = 'MeshError';
    this.code = code;
    if (details.closeCode !== undefined) this.closeCode = details.closeCode;
    if (details.id !== undefined) this.id = details.id;
    if (details.channel !== undefined) this.channel = details.channel;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.status !== undefined) this.status = details.status;
    if (details.text !== undefined) this.text = details.text;
  }
}

/* ---------------------------------------- src/util.js */

// Small helpers shared by the other modules: id and channel syntax, random ids, the injectable environment, listeners
// and named timers.



/** Session, tab, page and message ids (PROTOCOL 1.1). */
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Channel names (PROTOCOL 1.1). */
const CHANNEL_RE = /^[A-Za-z0-9_\-:.@]{1,128}$/;

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * 128 random bits as 22 characters of base64url without padding.
 * @param {(bytes: Uint8Array) => unknown} [getRandomValues]
 * @returns {string}
 */
export function randomId(getRandomValues = (b) => globalThis.crypto.getRandomValues(/** @type {Uint8Array<ArrayBuffer>} */ (b))) {
  const b = new Uint8Array(16);
  getRandomValues(b);
  let s = '';
  for (let i = 0; i < 15; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += B64URL[(n >> 18) & 63] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63] + B64URL[n & 63];
  }
  return s + B64URL[b[15] >> 2] + B64URL[(b[15] & 3) << 4];
}

/**
 * Runs `fn`; null if it throws (storage access can throw in sandboxed frames).
 * @template T
 * @param {() => T} fn
 * @returns {T | null}
 */
function safe(fn) {
  try {
    return fn();
  } catch {
    return null;
  }
}

/**
 * Everything the client touches in its environment, each taken from the options when given (tests, Node).
 * @typedef {object} Env
 * @property {NonNullable<MeshClientOptions['WebSocket']> | undefined} WebSocket
 * @property {NonNullable<MeshClientOptions['EventSource']> | undefined} EventSource
 * @property {MeshClientOptions['fetch']} fetch
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(id: any) => void} clearTimeout
 * @property {() => number} now
 * @property {() => number} random
 * @property {(bytes: Uint8Array) => unknown} getRandomValues
 * @property {MeshClientOptions['sessionStorage']} sessionStorage
 * @property {MeshClientOptions['window']} window
 * @property {MeshClientOptions['document']} document
 * @property {MeshClientOptions['location']} location
 */

/**
 * @param {MeshClientOptions} o
 * @returns {Env}
 */
function resolveEnv(o) {
  const g = /** @type {any} */ (globalThis);
  const isBrowser = typeof g.document === 'object' && g.document !== null && typeof g.addEventListener === 'function';
  return {
    WebSocket: o.WebSocket !== undefined ? o.WebSocket : g.WebSocket,
    EventSource: o.EventSource !== undefined ? o.EventSource : g.EventSource,
    fetch: o.fetch ?? (typeof g.fetch === 'function' ? (url, init) => g.fetch(url, init) : undefined),
    setTimeout: o.setTimeout ?? ((fn, ms) => g.setTimeout(fn, ms)),
    clearTimeout: o.clearTimeout ?? ((id) => g.clearTimeout(id)),
    // eslint-disable-next-line no-restricted-properties -- the one place the real clock is taken
    now: o.now ?? (() => Date.now()),
    random: o.random ?? Math.random,
    getRandomValues: o.getRandomValues ?? ((b) => g.crypto.getRandomValues(b)),
    sessionStorage: o.sessionStorage !== undefined ? o.sessionStorage : safe(() => g.sessionStorage),
    window: o.window !== undefined ? o.window : (isBrowser ? g : null),
    document: o.document !== undefined ? o.document : (isBrowser ? g.document : null),
    location: o.location !== undefined ? o.location : g.location,
  };
}

/**
 * Listeners by event type. A listener that throws is reported as an 'error' event; a listener that returns a
 * promise has it collected (critical events are acked once those settle).
 * @template {Record<string, any>} M event type -> detail
 */
class Emitter {
  /** @type {Map<keyof M, Set<(detail: any) => unknown>>} */
  #listeners = new Map();

  /**
   * @template {keyof M} K
   * @param {K} type
   * @param {(detail: M[K]) => unknown} listener
   */
  on(type, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  /**
   * @template {keyof M} K
   * @param {K} type
   * @param {(detail: M[K]) => unknown} listener
   */
  off(type, listener) {
    this.#listeners.get(type)?.delete(listener);
  }

  /**
   * @template {keyof M} K
   * @param {K} type
   * @param {M[K]} detail
   * @returns {{ threw: boolean, promises: PromiseLike<unknown>[] }}
   */
  emit(type, detail) {
    /** @type {{ threw: boolean, promises: PromiseLike<unknown>[] }} */
    const out = { threw: false, promises: [] };
    const set = this.#listeners.get(type);
    if (!set) return out;
    for (const fn of [...set]) {
      try {
        const r = /** @type {any} */ (fn(detail));
        if (r && typeof r.then === 'function') out.promises.push(r);
      } catch (err) {
        out.threw = true;
        if (type === 'error') {
          globalThis.console?.error?.('mesh-client: an error listener threw', err);
        } else {
          const message = `a '${String(type)}' listener threw: ${/** @type {any} */ (err)?.message ?? err}`;
          this.emit(/** @type {keyof M} */ ('error'), /** @type {any} */ (new MeshError('listener', message, { cause: err })));
        }
      }
    }
    return out;
  }
}

/** Named one-shot timers: setting a name replaces its timer; a timer cleared or replaced never fires. */
class Timers {
  /** @type {Map<string, unknown>} */
  #ids = new Map();
  #env;

  /** @param {Pick<Env, 'setTimeout' | 'clearTimeout'>} env */
  constructor(env) {
    this.#env = env;
  }

  /**
   * @param {string} name
   * @param {number} ms
   * @param {() => void} fn
   */
  set(name, ms, fn) {
    this.clear(name);
    const id = this.#env.setTimeout(() => {
      if (this.#ids.get(name) !== id) return;
      this.#ids.delete(name);
      fn();
    }, ms);
    this.#ids.set(name, id);
  }

  /** @param {string} name */
  clear(name) {
    if (!this.#ids.has(name)) return;
    const id = this.#ids.get(name);
    this.#ids.delete(name);
    this.#env.clearTimeout(id);
  }

  clearAll() {
    for (const name of [...this.#ids.keys()]) this.clear(name);
  }
}

/* ---------------------------------------- src/options.js */

// The client's options: defaults and the checks made at construction.


/**
 * The options with every default filled in.
 * @typedef {MeshClientOptions & { [K in keyof typeof DEFAULTS]-?: NonNullable<MeshClientOptions[K]> }} Options
 */

/** Default values of the numeric and transport options. */
export const DEFAULTS = Object.freeze({
  transport: /** @type {'auto'} */ ('auto'),
  sseFallbackAfter: 3,
  maxAttempts: 10,
  backoffBaseMs: 1000,
  backoffMaxMs: 30000,
  backoffJitter: 0.2,
  firstRetrySpreadMs: 5000,
  hintJitter: 0.1,
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

/**
 * The options with defaults for those not given (an option given as undefined keeps its default).
 * @param {MeshClientOptions} options
 * @returns {Options}
 */
function resolveOptions(options) {
  /** @type {Record<string, unknown>} */
  const o = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = v;
  const resolved = /** @type {Options} */ (/** @type {unknown} */ (o));
  if (!['auto', 'websocket', 'sse'].includes(resolved.transport)) {
    throw new TypeError(`transport must be 'auto', 'websocket' or 'sse', not ${resolved.transport}`);
  }
  if (resolved.sessionId !== undefined && !ID_RE.test(resolved.sessionId)) {
    throw new TypeError('sessionId must be 1-64 characters of A-Z a-z 0-9 _ -');
  }
  return resolved;
}

/* ---------------------------------------- src/backoff.js */

// How long to wait before a reconnect attempt (PROTOCOL 5.3).


/**
 * @typedef {object} BackoffOptions
 * @property {number} [backoffBaseMs]
 * @property {number} [backoffMaxMs]
 * @property {number} [backoffJitter]
 * @property {number} [firstRetrySpreadMs]
 * @property {number} [hintJitter]
 */

/**
 * Delay before reconnect attempt `attempt` (1 for the first): min(base * 2^(attempt-1), max), then multiplied by
 * U(1 - jitter, 1 + jitter). The jitter comes after the cap so that clients at the cap do not synchronise.
 * @param {number} attempt
 * @param {() => number} [random] U(0, 1)
 * @param {BackoffOptions} [options]
 * @returns {number}
 */
export function backoffDelay(attempt, random = Math.random, options = {}) {
  const base = options.backoffBaseMs ?? DEFAULTS.backoffBaseMs;
  const max = options.backoffMaxMs ?? DEFAULTS.backoffMaxMs;
  const jitter = options.backoffJitter ?? DEFAULTS.backoffJitter;
  const capped = Math.min(base * 2 ** Math.max(0, attempt - 1), max);
  return Math.round(capped * (1 - jitter + 2 * jitter * random()));
}

/**
 * Delay before a reconnect attempt, by what ended the connection or attempt before it:
 * - a server hint (`retryAfterMs`, `retry-after=<ms>`): honoured, plus a small jitter (hint * U(1, 1 + hintJitter))
 *   so that pages given the same hint do not return together;
 * - the first attempt after a close seen on the network (1006, or a reconnect-range code without a hint):
 *   U(0, firstRetrySpreadMs), so that the pages of a node that died do not all return within the same second
 *   (0 turns the spread off);
 * - otherwise, and from the second attempt on: backoffDelay.
 * Closes that mean "at once" (4001 rotated, 4003 token expired, a socket found dead on return to the page, pageshow,
 * online) do not come here: their delay is 0.
 * @param {{ attempt: number, hint?: number | null, spread?: boolean }} cause `spread` false for the client's own
 *   detection (a missed pong), which each page makes at its own heartbeat phase
 * @param {() => number} random U(0, 1)
 * @param {BackoffOptions} [options]
 * @returns {number}
 */
export function reconnectDelay({ attempt, hint = null, spread = true }, random, options = {}) {
  if (hint != null) {
    const jitter = options.hintJitter ?? DEFAULTS.hintJitter;
    return Math.round(hint * (1 + jitter * random()));
  }
  const spreadMs = options.firstRetrySpreadMs ?? DEFAULTS.firstRetrySpreadMs;
  if (attempt === 1 && spread && spreadMs > 0) return Math.round(spreadMs * random());
  return backoffDelay(attempt, random, options);
}

/* ---------------------------------------- src/identity.js */

// Where the client connects and who it says it is (PROTOCOL 1.1, 2.4): the base URL, the session/tab/page ids, and
// the single-use ticket each attempt gets from POST /auth/ticket.



/** sessionStorage keys of the ids kept across reloads of a tab. */
const TAB_KEY = 'mesh.tabId';
const SESSION_KEY = 'mesh.sessionId';

/**
 * The HTTP(S) base URL of connection-service, without trailing slash: the `url` option (`ws(s)://` accepted), else
 * the page's origin.
 * @param {string | undefined} url
 * @param {Env['location']} location
 * @returns {string}
 */
function httpBase(url, location) {
  let base = url ?? location?.origin;
  if (!base) throw new TypeError('url is required outside a browser');
  base = String(base).replace(/\/+$/, '');
  return base.replace(/^ws(s?):/i, 'http$1:');
}

/**
 * An id kept in sessionStorage (the same across reloads of the tab), made when missing or malformed.
 * @param {Env['sessionStorage']} storage
 * @param {string} key
 * @param {() => string} newId
 * @returns {string}
 */
function storedId(storage, key, newId) {
  const id = safe(() => storage?.getItem(key));
  if (id && ID_RE.test(id)) return id;
  const fresh = newId();
  safe(() => storage?.setItem(key, fresh));
  return fresh;
}

/**
 * The identity query parameters of `/ws` and `/sse`. `attempt` numbers the attempts of one page from 1: the server
 * never lets an older attempt that it admits late displace a newer one of the page (PROTOCOL 1.3).
 * @param {{ sessionId: string, tabId: string, pageId: string, attempt?: number }} ids
 * @returns {URLSearchParams}
 */
function identityParams({ sessionId, tabId, pageId, attempt }) {
  const q = new URLSearchParams({ session: sessionId, tab: tabId, page: pageId });
  if (attempt != null) q.set('attempt', String(attempt));
  return q;
}

/**
 * A single-use ticket for one connection attempt (PROTOCOL 2.4).
 * @param {Env['fetch']} fetch
 * @param {string} base
 * @param {string} token the JWT
 * @returns {Promise<string>}
 */
async function fetchTicket(fetch, base, token) {
  if (!fetch) throw new MeshError(ClientErrorCodes.AUTH_FAILED, 'no fetch in this environment to get a ticket');
  let res;
  try {
    res = await fetch(`${base}/auth/ticket`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}` }, credentials: 'include', cache: 'no-store',
    });
  } catch (err) {
    throw new MeshError(ClientErrorCodes.NETWORK_ERROR, `POST /auth/ticket failed: ${/** @type {any} */ (err)?.message ?? err}`,
      { cause: err });
  }
  let body;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status !== 200 || typeof body?.ticket !== 'string') {
    const cause = body?.cause ? ` (${body.cause})` : '';
    throw new MeshError(res.status === 401 ? ClientErrorCodes.UNAUTHORIZED : ClientErrorCodes.TICKET_FAILED,
      `POST /auth/ticket answered ${res.status}${cause}`, { status: res.status, retryAfterMs: body?.retryAfterMs });
  }
  return body.ticket;
}

/* ---------------------------------------- src/lifecycle.js */

// Page lifecycle (PROTOCOL 1.1, README): which page events the client listens to. What it does on each is the
// connection's business (client.js): pagehide closes (and pageshow from the back/forward cache reconnects as a new
// page), offline/online pause and resume reconnecting, a page becoming visible checks its connection at once.


/**
 * @typedef {object} LifecycleHandlers
 * @property {() => void} pagehide
 * @property {(e: { persisted?: boolean }) => void} pageshow
 * @property {() => void} online
 * @property {() => void} offline
 * @property {() => void} visibilitychange
 */

/** Never `unload` or `beforeunload`: they make the page ineligible for the back/forward cache. */
const WINDOW_EVENTS = /** @type {const} */ (['pagehide', 'pageshow', 'online', 'offline']);

class PageLifecycle {
  #window;
  #document;
  /** @type {LifecycleHandlers | null} */
  #installed = null;

  /**
   * @param {EventTargetLike | null | undefined} window receives pagehide, pageshow, online, offline
   * @param {EventTargetLike | null | undefined} document receives visibilitychange
   */
  constructor(window, document) {
    this.#window = window;
    this.#document = document;
  }

  /**
   * Listens (once: a second call while installed does nothing).
   * @param {LifecycleHandlers} handlers
   */
  install(handlers) {
    if (this.#installed) return;
    for (const type of WINDOW_EVENTS) this.#window?.addEventListener?.(type, handlers[type]);
    this.#document?.addEventListener?.('visibilitychange', handlers.visibilitychange);
    this.#installed = handlers;
  }

  remove() {
    const h = this.#installed;
    if (!h) return;
    for (const type of WINDOW_EVENTS) this.#window?.removeEventListener?.(type, h[type]);
    this.#document?.removeEventListener?.('visibilitychange', h.visibilitychange);
    this.#installed = null;
  }
}

/* ---------------------------------------- src/outbox.js */

// The outbox: publishes waiting for their `published` (PROTOCOL 3.2). Queued while not connected, sent once per
// connection, sent again with the same id after a reconnect (the server dedupes by id), bounded, each with a timeout.
// Publish frames wait their turn in the connection's pacer (pacer.js), behind the subscribes of a reconnect: a reconnect
// with a full outbox, or publish() in a loop, would otherwise flood the server's bucket and be closed with 4502.



/**
 * @typedef {object} OutboxEntry
 * @property {string} id the message id (dedupe key)
 * @property {string} channel
 * @property {unknown} data
 * @property {boolean} critical
 * @property {number} sentOn generation of the connection it was last sent on
 * @property {import('./pacer.js').Paced | null} paced its turn in the pacer, while it waits there
 * @property {(p: Published) => void} resolve
 * @property {(e: MeshError) => void} reject
 * @property {unknown} [timer]
 */

/**
 * What the outbox needs from the connection.
 * @typedef {object} OutboxHost
 * @property {(frame: object) => boolean} send sends on the current connection once welcomed
 * @property {() => number} connGen the current connection's generation
 * @property {() => string} newId a message id
 * @property {(ms: number, fn: () => void) => void} later runs `fn` after `ms` if still on the same connection
 * @property {import('./pacer.js').Pacer} pacer the connection's pacer, shared with every frame the client sends
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(id: any) => void} clearTimeout
 * @property {number} outboxLimit
 */

/**
 * Why publish() refuses its arguments, or null.
 * @param {unknown} channel
 * @param {unknown} data
 * @param {unknown} id
 * @returns {MeshError | null}
 */
function invalidPublish(channel, data, id) {
  if (typeof channel !== 'string' || !CHANNEL_RE.test(channel)) {
    return new MeshError(ClientErrorCodes.INVALID_CHANNEL, `invalid channel name: ${channel}`);
  }
  if (data === null || data === undefined) {
    return new MeshError(ClientErrorCodes.INVALID_DATA, 'data must be a JSON value other than null');
  }
  if (id !== undefined && !ID_RE.test(String(id))) {
    return new MeshError(ClientErrorCodes.INVALID_ID, 'id must be 1-64 characters of A-Z a-z 0-9 _ -');
  }
  return null;
}

class Outbox {
  /** @type {OutboxEntry[]} */
  #entries = [];
  #host;

  /** @param {OutboxHost} host */
  constructor(host) {
    this.#host = host;
  }

  /** Publishes waiting (queued or in flight). */
  get size() {
    return this.#entries.length;
  }

  /**
   * Queues a publish; sends it at once when `connected`.
   * @param {string} channel
   * @param {unknown} data
   * @param {{ critical: boolean, timeoutMs: number, id: string | undefined, connected: boolean }} options
   * @returns {Promise<Published>}
   */
  add(channel, data, { critical, timeoutMs, id, connected }) {
    if (this.#entries.length >= this.#host.outboxLimit) {
      return Promise.reject(new MeshError(ClientErrorCodes.OUTBOX_FULL,
        `not sent: ${this.#entries.length} messages already wait for the connection (outboxLimit)`));
    }
    return new Promise((resolve, reject) => {
      /** @type {OutboxEntry} */
      const entry = { id: id ?? this.#host.newId(), channel, data, critical: critical === true, sentOn: -1,
        paced: null, resolve, reject };
      entry.timer = this.#host.setTimeout(() => {
        this.#drop(entry);
        reject(new MeshError(ClientErrorCodes.TIMEOUT, `no acknowledgement within ${timeoutMs} ms; the message may or `
          + `may not have been published (id ${entry.id})`, { id: entry.id, channel }));
      }, timeoutMs);
      this.#entries.push(entry);
      if (connected) this.#pace(entry);
    });
  }

  /**
   * Once connected: sends every entry not yet sent on this connection, in order, as fast as the pacer lets it.
   * @param {number} gen
   */
  resend(gen) {
    if (this.#host.connGen() !== gen) return;
    for (const entry of this.#entries) {
      if (entry.sentOn !== gen) this.#pace(entry);
    }
  }

  /**
   * Sends it in its turn (an entry waits at most once).
   * @param {OutboxEntry} entry
   */
  #pace(entry) {
    const pacer = this.#host.pacer;
    if (pacer.waiting(entry.paced)) return;
    const gen = this.#host.connGen();
    const paced = () => {
      if (this.#host.connGen() !== gen) return false;
      this.#send(entry);
      return true;
    };
    entry.paced = paced;
    pacer.send(paced);
  }

  /** @param {OutboxEntry} entry */
  #send(entry) {
    entry.sentOn = this.#host.connGen();
    /** @type {Record<string, unknown>} */
    const frame = { type: 'publish', id: entry.id, channel: entry.channel, data: entry.data };
    if (entry.critical) frame.critical = true;
    this.#host.send(frame);
  }

  /**
   * @param {OutboxEntry} entry
   * @returns {boolean} whether it was still waiting
   */
  #drop(entry) {
    const i = this.#entries.indexOf(entry);
    if (i >= 0) this.#entries.splice(i, 1);
    this.#host.pacer.cancel(entry.paced);
    this.#host.clearTimeout(entry.timer);
    return i >= 0;
  }

  /** @param {Frame} f */
  onPublished(f) {
    const entry = this.#entries.find((e) => e.id === f.id);
    if (!entry) return;
    this.#drop(entry);
    entry.resolve({ id: f.id, channel: f.channel, epoch: f.epoch, seq: f.seq, duplicate: f.duplicate === true });
  }

  /**
   * An `error` answering a publish: sent again after `retryMs` (same id), or rejected.
   * @param {Frame} f
   * @param {MeshError} error
   * @param {number | null} retryMs
   * @returns {boolean} whether it answered a waiting publish
   */
  onError(f, error, retryMs) {
    const entry = f.id ? this.#entries.find((e) => e.id === f.id) : null;
    if (!entry) return false;
    if (retryMs != null) {
      this.#host.later(retryMs, () => {
        if (this.#entries.includes(entry)) this.#pace(entry);
      });
      return true;
    }
    this.#drop(entry);
    entry.reject(error);
    return true;
  }

  /** @param {MeshError} error */
  rejectAll(error) {
    for (const entry of this.#entries.splice(0)) {
      this.#host.pacer.cancel(entry.paced);
      this.#host.clearTimeout(entry.timer);
      entry.reject(error);
    }
  }
}

/* ---------------------------------------- src/pacer.js */

// The pacer: every frame the client sends on a connection goes through one token bucket per connection, in one FIFO,
// paced to the rate limit the server announces in `welcome.limits` (PROTOCOL 3.1, 3.4). The server counts every
// frame it reads (subscribe, unsubscribe, publish, ack, ping, refresh, close) against one bucket per connection and
// answers the excess with `rate-limited`, past the flood allowance with abuse strikes and then 4502: a reconnect that
// resubscribes many channels while resending a full outbox would otherwise overflow it. The heartbeat ping and an SSE
// connection's closing `close` skip the queue (client.js); the half of the burst the pacer leaves covers them. Without
// limits (an older server) nothing waits.

/**
 * A frame waiting its turn: called when a token is there, it builds and sends its frame then (so a subscribe carries
 * the position of that moment). Returns false when it sent nothing (no longer wanted): it then takes no token.
 * @typedef {() => boolean} Paced
 */

/**
 * What the pacer needs from the connection.
 * @typedef {object} PacerHost
 * @property {() => number} connGen the current connection's generation
 * @property {(ms: number, fn: () => void) => void} later runs `fn` after `ms` if still on the same connection
 * @property {() => ({ ratePerSecond: number, rateBurst: number } | null)} limits the current welcome's, null if none
 * @property {() => number} now the clock the timers run on
 */

class Pacer {
  #host;
  /** @type {Set<Paced>} the frames waiting for a token, in send order (a Set: FIFO, each waits at most once) */
  #queue = new Set();
  #gen = -1;
  #tokens = 0;
  #refilledAt = 0;
  #drainScheduled = false;
  #resets = 0;

  /** @param {PacerHost} host */
  constructor(host) {
    this.#host = host;
  }

  /**
   * Sends at once if nothing waits and a token is there; else queues behind what waits.
   * @param {Paced} paced
   * @returns {Paced} the same, a handle for waiting() and cancel()
   */
  send(paced) {
    this.#forCurrent().add(paced);
    this.#drain();
    return paced;
  }

  /**
   * Whether it still waits its turn on the current connection.
   * @param {Paced | null | undefined} paced
   */
  waiting(paced) {
    return paced != null && this.#forCurrent().has(paced);
  }

  /**
   * Takes it out of the queue; true if it was waiting.
   * @param {Paced | null | undefined} paced
   */
  cancel(paced) {
    return paced != null && this.#forCurrent().delete(paced);
  }

  /** The connection ended: what waits is forgotten (its owners send it again on the next one if still wanted). */
  reset() {
    this.#gen = -1;
    this.#queue.clear();
    this.#drainScheduled = false; // the old connection's timer is dropped by `later`
    this.#resets++;
  }

  /** The queue of the current connection: the server's bucket is per connection, a new one starts full and empty. */
  #forCurrent() {
    const gen = this.#host.connGen();
    if (this.#gen !== gen) {
      this.reset();
      this.#gen = gen;
      this.#tokens = Infinity; // capped to the capacity by the first #tokenWait
      this.#refilledAt = this.#host.now();
    }
    return this.#queue;
  }

  /** Sends waiting frames while there are tokens; then, if some still wait, comes back when the next token is due. */
  #drain() {
    const announced = this.#host.limits(); // an older server announces none: no pacing
    const limits = announced && announced.ratePerSecond > 0 && announced.rateBurst > 0 ? announced : null;
    const resets = this.#resets;
    for (const paced of this.#queue) {
      const waitMs = limits ? this.#tokenWait(limits) : 0;
      if (waitMs > 0) {
        if (!this.#drainScheduled) {
          this.#drainScheduled = true;
          this.#host.later(waitMs, () => {
            this.#drainScheduled = false;
            if (this.#gen === this.#host.connGen()) this.#drain();
          });
        }
        return;
      }
      this.#queue.delete(paced);
      if (limits) this.#tokens -= 1; // before it runs: a send that drains again re-entrantly sees it taken
      if (!paced() && limits) this.#tokens += 1;
      if (this.#resets !== resets) return; // sending ended the connection (a socket found closed)
    }
  }

  /**
   * Refills the bucket; 0 if a token is there, else the milliseconds until the next one. Half the server's burst:
   * the other half absorbs frames that reach the server closer together than they were sent (a network stall
   * releases them at once), the unpaced heartbeat ping and the `close` of an SSE connection; 80 % of its rate:
   * headroom for late timers.
   * @param {{ ratePerSecond: number, rateBurst: number }} limits
   */
  #tokenWait({ ratePerSecond, rateBurst }) {
    const capacity = Math.max(1, Math.floor(rateBurst / 2));
    const perSecond = ratePerSecond * 0.8;
    const now = this.#host.now();
    this.#tokens = Math.min(capacity, this.#tokens + ((now - this.#refilledAt) * perSecond) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / perSecond));
  }
}

/* ---------------------------------------- src/websocket.js */

// The WebSocket transport (PROTOCOL 3): one connection attempt. It reports frames and exactly one end to its sink,
// unless detached.


/**
 * What a transport reports to.
 * @typedef {object} TransportSink
 * @property {(t: Transport, frame: Frame) => void} frame a server frame (a JSON object with a string `type`)
 * @property {(t: Transport, end: { code: number, reason: string }) => void} closed the end, once
 * @property {(t: Transport, text: unknown) => void} malformed a message that is not a frame
 */
/** @typedef {Record<string, any> & { type: string }} Frame a frame as parsed (fields are checked where used) */
/** @typedef {import('./websocket.js').WebSocketTransport | import('./sse.js').SseTransport} Transport */

/**
 * Parses one message into a frame, or null.
 * @param {unknown} text
 * @returns {Frame | null}
 */
function parseFrame(text) {
  let frame;
  try {
    frame = JSON.parse(/** @type {string} */ (text));
  } catch {
    return null;
  }
  return frame && typeof frame === 'object' && typeof frame.type === 'string' ? frame : null;
}

/**
 * `ws(s)://.../ws?session=&tab=&page=[&ticket=]` (PROTOCOL 3).
 * @param {string} httpBase
 * @param {URLSearchParams} identity
 * @param {string | null} ticket
 * @returns {string}
 */
function webSocketUrl(httpBase, identity, ticket) {
  const q = new URLSearchParams(identity);
  if (ticket) q.set('ticket', ticket);
  return `${httpBase.replace(/^http/i, 'ws')}/ws?${q}`;
}

class WebSocketTransport {
  /** @type {'websocket'} */
  kind = 'websocket';
  /** @type {Frame | null} the goodbye frame, once one came */
  goodbye = null;
  /** Set by the client once `welcome` came. */
  welcomed = false;
  ended = false;
  /** @type {Set<string> | null} never set: only SSE subscribes from its URL */
  urlChannels = null;

  /**
   * @param {string} url
   * @param {Env} env
   * @param {TransportSink} sink
   */
  constructor(url, env, sink) {
    this.url = url;
    this.sink = sink;
    const WebSocketClass = /** @type {NonNullable<Env['WebSocket']>} */ (env.WebSocket);
    /** @type {WebSocketLike} */
    const ws = (this.ws = new WebSocketClass(url));
    ws.onmessage = (e) => this.#message(e.data);
    ws.onclose = (e) => this.#end(e.code, e.reason);
    ws.onerror = () => {}; // a close event always follows
  }

  get open() {
    return !this.ended && this.ws.readyState === 1;
  }

  /** @param {unknown} text */
  #message(text) {
    if (this.ended) return;
    const frame = parseFrame(text);
    if (!frame) return this.sink.malformed(this, text);
    if (frame.type === 'goodbye') this.goodbye = frame;
    this.sink.frame(this, frame);
  }

  /**
   * @param {number | null | undefined} code
   * @param {string | null | undefined} reason
   */
  #end(code, reason) {
    if (this.ended) return;
    this.ended = true;
    // The close code is authoritative; a socket that died after a goodbye keeps the goodbye's code.
    const finalCode = (code === 1006 || code === 1005 || code == null) && this.goodbye ? this.goodbye.code : code;
    this.sink.closed(this, { code: finalCode ?? 1006, reason: reason ?? '' });
  }

  /**
   * @param {object} frame
   * @returns {boolean} whether it was sent (the socket is open)
   */
  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Starts the closing handshake; the sink hears the end when the socket reports it.
   * @param {number} code
   * @param {string} [reason]
   */
  close(code, reason) {
    try {
      if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reason);
    } catch {
      // an invalid state or code: the socket is going anyway
    }
  }

  /**
   * Forgets this socket: no more callbacks, socket closed with `code`.
   * @param {number} code
   * @param {string} [reason]
   */
  detach(code, reason) {
    this.ended = true;
    this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
    this.close(code, reason);
  }
}

/* ---------------------------------------- src/sse.js */

// The Server-Sent-Events transport (PROTOCOL 7): a stream from GET /sse, client frames POSTed to /sse/{connectionId}.
// One connection attempt, like the WebSocket transport; and the SSE resume token.



/** Frame types that may arrive as named SSE events ('error' is handled apart: it is also EventSource's failure). */
const SSE_FRAME_TYPES = ['welcome', 'pong', 'subscribed', 'unsubscribed', 'event', 'events', 'reset', 'published',
  'gap', 'presence', 'token-expiring', 'refreshed', 'goodbye'];

/**
 * The SSE resume token of PROTOCOL 7.2: `<channel>~<epoch>:<seq>` items joined by `|`.
 * @param {Iterable<readonly [string, Position | null | undefined]>} positions
 * @returns {string}
 */
export function formatResumeToken(positions) {
  const items = [];
  for (const [channel, p] of positions) if (p) items.push(`${channel}~${p.epoch}:${p.seq}`);
  return items.join('|');
}

/**
 * Parses a resume token into a Map of channel -> {epoch, seq}; malformed items are skipped.
 * @param {string | null | undefined} token
 * @returns {Map<string, Position>}
 */
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

/**
 * `GET /sse?session=&tab=&page=[&channels=][&presence=][&resume=][&ticket=]` (PROTOCOL 7.1) for the given
 * subscriptions, and the channels it subscribes (a channel joined with presence info is left out: info cannot travel
 * in the URL, so it is POSTed after welcome).
 * @param {string} httpBase
 * @param {URLSearchParams} identity
 * @param {Iterable<{ channel: string, presence: boolean, info: unknown, position: Position | null }>} subscriptions
 * @param {string | null} ticket
 * @returns {{ url: string, urlChannels: Set<string> }}
 */
function sseUrl(httpBase, identity, subscriptions, ticket) {
  const urlChannels = new Set();
  /** @type {string[]} */
  const presence = [];
  /** @type {[string, Position][]} */
  const positions = [];
  for (const sub of subscriptions) {
    if (sub.presence && sub.info !== undefined) continue;
    urlChannels.add(sub.channel);
    if (sub.presence) presence.push(sub.channel);
    if (sub.position) positions.push([sub.channel, sub.position]);
  }
  const q = new URLSearchParams(identity);
  if (urlChannels.size) q.set('channels', [...urlChannels].join(','));
  if (presence.length) q.set('presence', presence.join(','));
  const resume = formatResumeToken(positions);
  if (resume) q.set('resume', resume);
  if (ticket) q.set('ticket', ticket);
  return { url: `${httpBase}/sse?${q}`, urlChannels };
}

class SseTransport {
  /** @type {'sse'} */
  kind = 'sse';
  /** @type {Frame | null} */
  goodbye = null;
  welcomed = false;
  ended = false;
  /** @type {string | null} */
  connectionId = null;
  /** @type {string | null} */
  lastEventId = null;

  /**
   * @param {string} url
   * @param {Env} env
   * @param {TransportSink} sink
   * @param {string} postBase base URL of `POST /sse/{connectionId}`
   * @param {() => string | null} getToken the token for the POSTs' Authorization header
   * @param {Set<string>} urlChannels channels the URL subscribes
   */
  constructor(url, env, sink, postBase, getToken, urlChannels) {
    this.url = url;
    this.env = env;
    this.sink = sink;
    this.postBase = postBase;
    this.getToken = getToken;
    this.urlChannels = urlChannels;
    const EventSourceClass = /** @type {NonNullable<Env['EventSource']>} */ (env.EventSource);
    /** @type {EventSourceLike} */
    const es = (this.es = new EventSourceClass(url, { withCredentials: true }));
    /** @param {{ data?: unknown, lastEventId?: string }} e */
    const onFrame = (e) => this.#message(e);
    for (const type of SSE_FRAME_TYPES) es.addEventListener(type, onFrame);
    es.addEventListener('message', onFrame);
    // A named `error` frame and the EventSource failure share the event name: only the frame has data.
    es.addEventListener('error', (e) => (typeof e?.data === 'string' ? onFrame(e) : this.#end(1006, 'network-error')));
  }

  get open() {
    return !this.ended && this.es.readyState !== 2;
  }

  /** @param {{ data?: unknown, lastEventId?: string }} e */
  #message(e) {
    if (this.ended) return;
    if (e.lastEventId) this.lastEventId = e.lastEventId;
    const frame = parseFrame(e.data);
    if (!frame) return this.sink.malformed(this, e.data);
    if (frame.type === 'welcome') this.connectionId = frame.connectionId;
    if (frame.type === 'goodbye') this.goodbye = frame;
    this.sink.frame(this, frame);
    // After a goodbye the stream ends; a terminal goodbye MUST close the EventSource (PROTOCOL 7.4).
    if (frame.type === 'goodbye' && !this.ended) {
      this.#end(frame.code, frame.retryAfterMs != null ? retryAfterReason(frame.retryAfterMs) : frame.reason);
    }
  }

  /**
   * @param {number} code
   * @param {string | undefined} reason
   */
  #end(code, reason) {
    if (this.ended) return;
    this.ended = true;
    this.es.close();
    this.sink.closed(this, { code, reason: reason ?? '' });
  }

  /**
   * POSTs one client frame; the reply frame (if any) comes back through the sink like a stream frame.
   * @param {Record<string, any>} frame
   * @param {{ keepalive?: boolean }} [options]
   * @returns {boolean}
   */
  send(frame, { keepalive = false } = {}) {
    if (this.ended || !this.connectionId) return false;
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': 'application/json' };
    const token = frame.type === 'refresh' ? frame.token : this.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const url = `${this.postBase}/sse/${encodeURIComponent(this.connectionId)}`;
    const init = { method: 'POST', headers, body: JSON.stringify(frame), credentials: 'include', keepalive };
    /** @type {Promise<ResponseLike>} */
    let request;
    try {
      request = Promise.resolve(/** @type {NonNullable<Env['fetch']>} */ (this.env.fetch)(url, init));
    } catch (err) {
      request = Promise.reject(err);
    }
    request.then((res) => this.#reply(frame, res), () => this.#end(1006, 'network-error'));
    return true;
  }

  /**
   * @param {Record<string, any>} frame
   * @param {ResponseLike} res
   */
  async #reply(frame, res) {
    if (this.ended || frame.type === 'close') return;
    if (res.status === 204) return;
    let reply;
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
        type: 'error', id: frame.id, code: res.status >= 500 ? ErrorCodes.UNAVAILABLE : `http-${res.status}`,
        message: `POST /sse answered ${res.status}`,
      });
    }
    // The connection is gone from the server: the stream is dead even if it looks open.
    if (res.status === 404) this.#end(1006, 'unknown-connection');
  }

  /** @param {number} code */
  close(code) {
    if (this.ended) return;
    if (code === 1000) this.send({ type: 'close' }, { keepalive: true });
    // EventSource has no close event: report the end on the next microtask, as a socket would (later).
    this.ended = true;
    this.es.close();
    Promise.resolve().then(() => this.sink.closed(this, { code, reason: 'client' }));
  }

  /** @param {number} code */
  detach(code) {
    if (this.ended) return;
    if (code === 1000) this.send({ type: 'close' }, { keepalive: true });
    this.ended = true;
    this.es.close();
  }
}

/* ---------------------------------------- src/subscriptions.js */

// Subscriptions and resume positions (PROTOCOL 6): what the client keeps subscribed across reconnects, the last
// position of each channel, dedupe by (channel, epoch, seq), acks of critical events, presence members, and the
// subscribe/unsubscribe requests in flight.



/**
 * One channel the client keeps subscribed. `sentOn` and `subscribedOn` hold the connection generation (one per
 * welcome) on which the subscribe was sent (or the SSE URL subscribed it) and answered; `queued` is its subscribe
 * while that waits its turn in the pacer, `ackQueued` its ack.
 * @typedef {object} Subscription
 * @property {string} channel
 * @property {boolean} presence
 * @property {Record<string, unknown> | undefined} info
 * @property {Position | null} position the last position surfaced
 * @property {{ resolve: (s: Subscribed) => void, reject: (e: MeshError) => void }[]} waiters subscribe() promises
 * @property {number} sentOn
 * @property {number} subscribedOn
 * @property {Map<string, PresenceMember> | null} members
 * @property {Set<number>} critical seqs of critical events surfaced in this epoch (bounded)
 * @property {Set<number>} inflight critical seqs whose handlers have not finished
 * @property {Set<number>} done critical seqs handled but not yet acked
 * @property {number} ackSent highest seq acked in this epoch
 * @property {number} connMax highest seq delivered on this connection (the server refuses acks above it)
 * @property {boolean} gapAnnounced the server announced the next jump in seq with a `gap`
 * @property {import('./pacer.js').Paced | null} queued
 * @property {import('./pacer.js').Paced | null} ackQueued
 * @property {boolean} ackForce the waiting ack re-acks a redelivered duplicate (see #flushAck)
 */

/**
 * @typedef {{ kind: 'subscribe', channel: string, frame: object }
 *   | { kind: 'unsubscribe', channel: string, resolve: (confirmed: boolean) => void }} PendingRequest
 */

/**
 * What the subscriptions need from the connection.
 * @typedef {object} SubscriptionsHost
 * @property {import('./util.js').Emitter<MeshEventMap>['emit']} emit
 * @property {(frame: object) => boolean} send sends on the current connection once welcomed
 * @property {import('./pacer.js').Pacer} pacer every frame waits its turn in it (PROTOCOL 3.4)
 * @property {() => number} connGen the current connection's generation
 * @property {() => boolean} connected whether the client is connected
 * @property {(prefix: string) => string} nextId a request id
 * @property {(ms: number, fn: () => void) => void} later runs `fn` after `ms` if still on the same connection
 * @property {number} criticalMemory seqs of critical events remembered per channel
 */

/**
 * The event surfaced to the application for one `event` frame, or one item of an `events` frame given its batch's
 * channel and epoch: the one place an event is read off the wire. Fields the client does not interpret (such as
 * server-attested publisher fields) pass through as they are.
 * @param {Frame} f
 * @returns {MeshEvent}
 */
function eventFromFrame(f) {
  const { type, ...fields } = f;
  return {
    ...fields, channel: f.channel, epoch: f.epoch, seq: f.seq, id: f.id ?? null, ts: f.ts ?? null, data: f.data,
    critical: f.critical === true, userId: f.userId ?? null, connectionId: f.connectionId ?? null,
  };
}

/** The epoch of a channel with no history yet (PROTOCOL 6.1): a position in it continues into the first epoch. */
export const UNBORN_EPOCH = '0';

class Subscriptions {
  /** @type {Map<string, Subscription>} */
  #subs = new Map();
  /** @type {Map<string, PendingRequest>} */
  #requests = new Map();
  /** @type {string | null} */
  #userChannel = null;
  /** the server ended the own user channel's subscription: not subscribed again until the application asks */
  #userChannelEnded = false;
  /** @type {Map<Subscription, boolean> | null} acks held back while an `events` batch is delivered (sub -> force) */
  #heldAcks = null;
  #host;

  /** @param {SubscriptionsHost} host */
  constructor(host) {
    this.#host = host;
  }

  /** Channels kept subscribed. */
  get channels() {
    return [...this.#subs.keys()];
  }

  /** Every subscription, in subscription order (for the SSE URL). */
  values() {
    return this.#subs.values();
  }

  /**
   * @param {string} channel
   * @returns {Position | null}
   */
  position(channel) {
    const p = this.#subs.get(channel)?.position;
    return p ? { epoch: p.epoch, seq: p.seq } : null;
  }

  /**
   * @param {string} channel
   * @returns {PresenceMember[]}
   */
  members(channel) {
    const m = this.#subs.get(channel)?.members;
    return m ? [...m.values()].map((x) => ({ ...x })) : [];
  }

  /**
   * @param {string} channel
   * @param {{ presence?: boolean, info?: Record<string, unknown> }} [options]
   * @returns {Promise<Subscribed>}
   */
  subscribe(channel, { presence = false, info = undefined } = {}) {
    if (typeof channel !== 'string' || !CHANNEL_RE.test(channel)) {
      return Promise.reject(new MeshError(ClientErrorCodes.INVALID_CHANNEL, `invalid channel name: ${channel}`));
    }
    let sub = this.#subs.get(channel);
    if (!sub) this.#subs.set(channel, (sub = newSubscription(channel)));
    if (channel === this.#userChannel) this.#userChannelEnded = false;
    const addsPresence = presence && !sub.presence;
    if (presence) sub.presence = true;
    if (info !== undefined) sub.info = info;
    const connected = this.#host.connected();
    const gen = this.#host.connGen();
    if (connected && sub.subscribedOn === gen && !addsPresence) {
      return Promise.resolve(this.#subscribedResult(sub));
    }
    const waiters = sub.waiters;
    /** @type {Promise<Subscribed>} */
    const promise = new Promise((resolve, reject) => {
      waiters.push({ resolve, reject });
    });
    if (connected && (sub.sentOn !== gen || addsPresence)) this.#sendSubscribe(sub);
    return promise;
  }

  /**
   * @param {string} channel
   * @returns {Promise<boolean>}
   */
  unsubscribe(channel) {
    const sub = this.#subs.get(channel);
    if (!sub) return Promise.resolve(false);
    this.#subs.delete(channel);
    rejectWaiters(sub, new MeshError(ClientErrorCodes.UNSUBSCRIBED, `unsubscribed from ${channel}`));
    const pacer = this.#host.pacer;
    pacer.cancel(sub.queued); // a subscribe still waiting its turn is never sent
    pacer.cancel(sub.ackQueued);
    if (!this.#host.connected() || sub.sentOn !== this.#host.connGen()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const id = this.#host.nextId('u');
      this.#requests.set(id, { kind: 'unsubscribe', channel, resolve });
      pacer.send(() => {
        if (!this.#requests.has(id)) return false; // the connection ended meanwhile: done
        if (!this.#host.send({ type: 'unsubscribe', id, channel })) {
          this.#requests.delete(id);
          resolve(true);
        }
        return true;
      });
    });
  }

  /**
   * On welcome, before the client is connected: the own user channel, and the channels the SSE URL subscribed.
   * @param {string} userId
   * @param {Set<string> | null} urlChannels
   * @param {number} gen the new connection's generation
   */
  welcomed(userId, urlChannels, gen) {
    const userChannel = `user:${userId}`;
    if (this.#userChannel && this.#userChannel !== userChannel) {
      this.#subs.delete(this.#userChannel);
      this.#userChannelEnded = false;
    }
    this.#userChannel = userChannel;
    if (!this.#subs.has(userChannel) && !this.#userChannelEnded) this.#subs.set(userChannel, newSubscription(userChannel));
    if (urlChannels) {
      for (const ch of urlChannels) {
        const sub = this.#subs.get(ch);
        if (sub) sub.sentOn = gen;
      }
    }
  }

  /**
   * Once connected: subscribes (with its position) every channel not yet sent on this connection, the user channel
   * first, in this order through the pacer (ahead of the outbox's publishes, which the client queues after them).
   * Stops if the connection changes meanwhile.
   * @param {number} gen
   * @returns {boolean} whether the connection is still `gen`
   */
  resubscribe(gen) {
    const user = this.#userChannel ? this.#subs.get(this.#userChannel) : undefined;
    if (user && user.sentOn !== gen) this.#sendSubscribe(user);
    for (const sub of this.#subs.values()) {
      if (this.#host.connGen() !== gen) return false;
      if (sub.sentOn !== gen) this.#sendSubscribe(sub);
    }
    return true;
  }

  /** The connection or attempt ended: requests in flight are forgotten (an unsubscribe counts as done). */
  connectionEnded() {
    for (const req of this.#requests.values()) if (req.kind === 'unsubscribe') req.resolve(true);
    this.#requests.clear();
  }

  /** @param {MeshError} error */
  rejectAllWaiters(error) {
    for (const sub of this.#subs.values()) rejectWaiters(sub, error);
  }

  /**
   * Subscribes on this connection in its turn in the pacer: the frame is made when it goes out, so it carries the
   * position, presence and info of that moment, and is not sent at all if the subscription was dropped meanwhile. One
   * subscribe per subscription waits at a time.
   * @param {Subscription} sub
   */
  #sendSubscribe(sub) {
    const pacer = this.#host.pacer;
    if (pacer.waiting(sub.queued)) return;
    const gen = this.#host.connGen();
    const paced = () => {
      if (this.#subs.get(sub.channel) !== sub || this.#host.connGen() !== gen) return false;
      const id = this.#host.nextId('s');
      /** @type {Record<string, unknown>} */
      const frame = { type: 'subscribe', id, channel: sub.channel };
      if (sub.position) frame.position = { epoch: sub.position.epoch, seq: sub.position.seq };
      if (sub.presence) frame.presence = true;
      if (sub.presence && sub.info !== undefined) frame.info = sub.info;
      sub.sentOn = gen;
      this.#requests.set(id, { kind: 'subscribe', channel: sub.channel, frame });
      this.#host.send(frame);
      return true;
    };
    sub.queued = paced;
    pacer.send(paced);
  }

  /**
   * @param {Subscription} sub
   * @returns {Subscribed}
   */
  #subscribedResult(sub) {
    return {
      channel: sub.channel,
      position: sub.position ? { ...sub.position } : null,
      presence: sub.members ? this.members(sub.channel) : null,
    };
  }

  /**
   * @param {Subscription} sub
   * @param {Position} position
   */
  #adopt(sub, position) {
    if (!sub.position || sub.position.epoch !== position.epoch) {
      sub.position = { epoch: position.epoch, seq: position.seq };
      newEpoch(sub);
    } else if (position.seq > sub.position.seq) {
      sub.position.seq = position.seq;
    }
  }

  /* -- frames */

  /** @param {Frame} f */
  onSubscribed(f) {
    if (f.id) this.#requests.delete(f.id);
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.position) return;
    const gen = this.#host.connGen();
    // Over SSE a POSTed subscribe is answered twice: in the POST reply and on the stream.
    const repeat = sub.subscribedOn === gen && !f.presence && sub.waiters.length === 0
      && sub.position?.epoch === f.position.epoch;
    this.#adopt(sub, f.position);
    if (repeat) return;
    const firstOnConnection = sub.subscribedOn !== gen;
    sub.subscribedOn = gen;
    sub.sentOn = gen;
    sub.connMax = Math.max(firstOnConnection ? 0 : sub.connMax, f.position.seq);
    if (f.presence) {
      sub.members = new Map();
      for (const m of f.presence.members ?? []) {
        sub.members.set(m.userId, { userId: m.userId, state: m.state ?? 'present', info: m.info ?? null });
      }
      this.#host.emit('presence', {
        channel: sub.channel, action: 'snapshot', member: null, members: this.members(sub.channel),
        joined: f.presence.joined !== false, count: f.presence.count ?? sub.members.size, truncated: !!f.presence.truncated,
      });
    }
    const result = this.#subscribedResult(sub);
    for (const w of sub.waiters.splice(0)) w.resolve(result);
    this.#host.emit('subscribed', result);
    this.#flushAck(sub, false);
  }

  /** @param {Frame} f */
  onUnsubscribed(f) {
    const req = f.id ? this.#requests.get(f.id) : null;
    if (req) {
      this.#requests.delete(f.id);
      if (req.kind === 'unsubscribe') req.resolve(true);
      return;
    }
    if (!f.id && f.reason === UnsubscribeReasons.SERVER) this.#endedByServer(f.channel);
  }

  /**
   * The server ended a subscription the client did not ask to end (PROTOCOL 3.3): it is dropped here too, so that no
   * reconnect subscribes it again, and the application is told. A subscribe of the channel still unanswered was sent
   * after the server ended it: the server subscribes it again, so it is kept.
   * @param {unknown} channel
   */
  #endedByServer(channel) {
    if (typeof channel !== 'string') return;
    const sub = this.#subs.get(channel);
    if (!sub) return;
    for (const req of this.#requests.values()) if (req.kind === 'subscribe' && req.channel === channel) return;
    if (this.#host.pacer.waiting(sub.queued)) return; // a subscribe waiting its turn: it will be sent after the end
    this.#subs.delete(channel);
    if (channel === this.#userChannel) this.#userChannelEnded = true;
    rejectWaiters(sub, new MeshError(ClientErrorCodes.UNSUBSCRIBED, `the server ended the subscription to ${channel}`,
      { channel }));
    this.#host.emit('unsubscribed', { channel, reason: UnsubscribeReasons.SERVER });
  }

  /** @param {Frame} f */
  onReset(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.position) return;
    const previous = sub.position ? { ...sub.position } : null;
    sub.position = { epoch: f.position.epoch, seq: f.position.seq };
    if (!previous || previous.epoch !== f.position.epoch) newEpoch(sub);
    sub.connMax = Math.max(sub.connMax, f.position.seq);
    sub.gapAnnounced = false;
    this.#host.emit('reset', { channel: f.channel, reason: f.reason, position: { ...sub.position }, previous });
  }

  /** @param {Frame} f */
  onGap(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub) return;
    sub.gapAnnounced = true;
    this.#host.emit('gap', { channel: f.channel, dropped: f.dropped ?? 0, detected: false });
  }

  /**
   * A history batch (`events`): each item is delivered exactly as an `event` frame of the batch's channel and epoch
   * would be. Acks due during the batch are sent once, after it (they are cumulative).
   * @param {Frame} f
   * @param {() => boolean} current whether the connection that received the batch is still current and open: a
   *   listener may close the client or drop the connection mid-batch, after which a socket delivers no more frames
   */
  onEvents(f, current) {
    if (!Array.isArray(f.events)) return;
    this.#heldAcks = new Map();
    try {
      for (const item of f.events) {
        if (!current()) break;
        if (item && typeof item === 'object') this.onEvent({ ...item, type: 'event', channel: f.channel, epoch: f.epoch });
      }
    } finally {
      const held = this.#heldAcks;
      this.#heldAcks = null;
      for (const [sub, force] of held) if (this.#subs.get(sub.channel) === sub) this.#flushAck(sub, force);
    }
  }

  /** @param {Frame} f */
  onEvent(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || typeof f.seq !== 'number') return;
    if (!sub.position || sub.position.epoch !== f.epoch) {
      // The server sends `reset` before a new epoch; if one is missed, tell the application all the same. The
      // unborn position ('0', 0: subscribed before the channel had any history) simply continues into the first
      // epoch (PROTOCOL 6.1): nothing was missed, so no reset.
      const previous = sub.position ? { ...sub.position } : null;
      const unborn = previous !== null && previous.epoch === UNBORN_EPOCH && previous.seq === 0;
      sub.position = { epoch: f.epoch, seq: unborn ? 0 : Math.max(0, f.seq - 1) };
      newEpoch(sub);
      if (previous && !unborn) this.#host.emit('reset', { channel: f.channel, reason: 'epoch-changed', position: { ...sub.position }, previous });
    }
    sub.connMax = Math.max(sub.connMax, f.seq);
    const critical = f.critical === true;
    const pos = /** @type {Position} */ (sub.position);
    const fresh = f.seq > pos.seq;
    if (!fresh && !(critical && !sub.critical.has(f.seq))) {
      if (critical) this.#flushAck(sub, true);
      this.#host.emit('duplicate', { channel: f.channel, seq: f.seq, id: f.id ?? null, critical });
      return;
    }
    if (fresh) {
      if (f.seq > pos.seq + 1 && !sub.gapAnnounced) {
        this.#host.emit('gap', { channel: f.channel, dropped: f.seq - pos.seq - 1, detected: true });
      }
      sub.gapAnnounced = false;
      pos.seq = f.seq;
    }
    if (critical) {
      sub.critical.add(f.seq);
      if (sub.critical.size > this.#host.criticalMemory) sub.critical.delete(/** @type {number} */ (sub.critical.values().next().value));
      sub.inflight.add(f.seq);
    }
    const { threw, promises } = this.#host.emit('event', eventFromFrame(f));
    if (!critical) return;
    const epoch = f.epoch;
    if (threw) return this.#criticalFailed(sub, f.seq, epoch);
    if (promises.length === 0) return this.#criticalDone(sub, f.seq, epoch);
    Promise.allSettled(promises).then((results) => {
      if (results.every((r) => r.status === 'fulfilled')) this.#criticalDone(sub, f.seq, epoch);
      else this.#criticalFailed(sub, f.seq, epoch);
    });
  }

  /**
   * @param {Subscription} sub
   * @param {number} seq
   * @param {string} epoch
   */
  #criticalDone(sub, seq, epoch) {
    if (this.#subs.get(sub.channel) !== sub || sub.position?.epoch !== epoch) return;
    sub.inflight.delete(seq);
    sub.done.add(seq);
    this.#flushAck(sub, false);
  }

  /**
   * The handler threw or rejected: no ack. The event stays unacknowledged and is surfaced again on redelivery.
   * @param {Subscription} sub
   * @param {number} seq
   * @param {string} epoch
   */
  #criticalFailed(sub, seq, epoch) {
    if (this.#subs.get(sub.channel) !== sub || sub.position?.epoch !== epoch) return;
    sub.critical.delete(seq);
  }

  /**
   * Sends the cumulative ack, in its turn in the pacer: the highest handled critical seq below every critical still
   * being handled (an ack covers every critical event up to its seq), never above what this connection delivered (the
   * server refuses that). `force` re-acks for a redelivered duplicate, whose earlier ack may have been lost with its
   * connection. One ack per subscription waits at a time; its seq is worked out when it goes out, so acks due while
   * it waits travel in that one frame.
   * @param {Subscription} sub
   * @param {boolean} force
   */
  #flushAck(sub, force) {
    if (this.#heldAcks) {
      this.#heldAcks.set(sub, this.#heldAcks.get(sub) === true || force);
      return;
    }
    const gen = this.#host.connGen();
    if (!this.#host.connected() || sub.subscribedOn !== gen) return;
    const pacer = this.#host.pacer;
    if (pacer.waiting(sub.ackQueued)) {
      sub.ackForce ||= force;
      return;
    }
    if (ackDue(sub, force) <= 0) return;
    sub.ackForce = force;
    const paced = () => {
      if (this.#subs.get(sub.channel) !== sub || sub.subscribedOn !== gen || this.#host.connGen() !== gen) return false;
      const seq = ackDue(sub, sub.ackForce);
      sub.ackForce = false;
      if (seq <= 0) return false;
      if (!this.#host.send({ type: 'ack', channel: sub.channel, seq })) return true;
      sub.ackSent = Math.max(sub.ackSent, seq);
      for (const s of sub.done) if (s <= seq) sub.done.delete(s);
      return true;
    };
    sub.ackQueued = paced;
    pacer.send(paced);
  }

  /** @param {Frame} f */
  onPresence(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.member?.userId) return;
    if (!sub.members) sub.members = new Map();
    const known = sub.members.get(f.member.userId);
    const info = f.member.info ?? known?.info ?? null;
    if (f.action === 'leave') sub.members.delete(f.member.userId);
    else if (f.action === 'join') sub.members.set(f.member.userId, { userId: f.member.userId, state: 'present', info });
    else if (f.action === 'reconnecting') sub.members.set(f.member.userId, { userId: f.member.userId, state: 'reconnecting', info });
    else return;
    this.#host.emit('presence', { channel: f.channel, action: f.action, member: { userId: f.member.userId, info }, members: this.members(f.channel) });
  }

  /**
   * An `error` answering a subscribe or unsubscribe request. A subscribe refused for now (`retryMs`) is sent again
   * later; refused for good, the subscription is dropped and its subscribe() promises rejected.
   * @param {Frame} f
   * @param {MeshError} error
   * @param {number | null} retryMs
   * @returns {boolean} whether it answered a request and needs no 'error' event
   */
  onRequestError(f, error, retryMs) {
    const req = f.id ? this.#requests.get(f.id) : null;
    if (!req) return false;
    this.#requests.delete(f.id);
    if (req.kind === 'unsubscribe') {
      req.resolve(f.code === ErrorCodes.NOT_SUBSCRIBED);
      return true;
    }
    const sub = this.#subs.get(req.channel);
    if (!sub) return false;
    if (retryMs != null) {
      this.#host.later(retryMs, () => {
        if (this.#subs.get(req.channel) === sub) this.#sendSubscribe(sub);
      });
      return true;
    }
    this.#subs.delete(req.channel);
    if (sub.waiters.length === 0) return false;
    rejectWaiters(sub, error);
    return true;
  }
}

/**
 * @param {string} channel
 * @returns {Subscription}
 */
function newSubscription(channel) {
  return {
    channel, presence: false, info: undefined, position: null, waiters: [], sentOn: -1, subscribedOn: -1,
    members: null, critical: new Set(), inflight: new Set(), done: new Set(), ackSent: 0, connMax: 0,
    gapAnnounced: false, queued: null, ackQueued: null, ackForce: false,
  };
}

/**
 * The seq the next ack of a subscription carries, 0 if none is due (see Subscriptions#flushAck).
 * @param {Subscription} sub
 * @param {boolean} force
 * @returns {number}
 */
function ackDue(sub, force) {
  let limit = Infinity;
  for (const s of sub.inflight) limit = Math.min(limit, s);
  let seq = 0;
  for (const s of sub.done) if (s < limit && s <= sub.connMax && s > seq) seq = s;
  if (force) seq = Math.max(seq, Math.min(sub.ackSent, sub.connMax, limit - 1));
  return seq <= 0 || (!force && seq <= sub.ackSent) ? 0 : seq;
}

/**
 * A new epoch: seqs of the old one mean nothing any more.
 * @param {Subscription} sub
 */
function newEpoch(sub) {
  sub.critical.clear();
  sub.inflight.clear();
  sub.done.clear();
  sub.ackSent = 0;
  sub.connMax = 0;
}

/**
 * @param {Subscription} sub
 * @param {MeshError} error
 */
function rejectWaiters(sub, error) {
  for (const w of sub.waiters.splice(0)) w.reject(error);
}

/* ---------------------------------------- src/client.js */

// MeshClient: the connection state machine (PROTOCOL 5.3) and the public API. Frames go to the subscriptions and the
// outbox; bytes to a transport; page events come from the lifecycle.
//
// States: idle -> connecting -> connected; a lost connection goes to reconnecting (backoff, hint or at once) and back
// to connected; close() and pagehide go through closing to closed; terminal close codes and exhausted attempts end in
// failed, from which retry() starts again. Every change is a 'state' event carrying its reason.



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
