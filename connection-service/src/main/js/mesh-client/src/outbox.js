// The outbox: publishes waiting for their `published` (PROTOCOL 3.2). Queued while not connected, sent once per
// connection, sent again with the same id after a reconnect (the server dedupes by id), bounded, each with a timeout.
// Publish frames wait their turn in the connection's pacer (pacer.js), behind the subscribes of a reconnect: a reconnect
// with a full outbox, or publish() in a loop, would otherwise flood the server's bucket and be closed with 4502.

import { ClientErrorCodes, MeshError } from './codes.js';
import { CHANNEL_RE, ID_RE } from './util.js';

/** @typedef {import('../mesh-client.js').Published} Published */
/** @typedef {import('./websocket.js').Frame} Frame */

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
export function invalidPublish(channel, data, id) {
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

export class Outbox {
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
