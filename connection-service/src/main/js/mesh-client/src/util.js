// Small helpers shared by the other modules: id and channel syntax, random ids, the injectable environment, listeners
// and named timers.

import { MeshError } from './codes.js';

/** @typedef {import('../mesh-client.js').MeshClientOptions} MeshClientOptions */

/** Session, tab, page and message ids (PROTOCOL 1.1). */
export const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Channel names (PROTOCOL 1.1). */
export const CHANNEL_RE = /^[A-Za-z0-9_\-:.@]{1,128}$/;

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
export function safe(fn) {
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
export function resolveEnv(o) {
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
export class Emitter {
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
export class Timers {
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
