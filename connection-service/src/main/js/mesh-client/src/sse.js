// The Server-Sent-Events transport (PROTOCOL 7): a stream from GET /sse, client frames POSTed to /sse/{connectionId}.
// One connection attempt, like the WebSocket transport; and the SSE resume token.

import { ErrorCodes, retryAfterReason } from './codes.js';
import { parseFrame } from './websocket.js';

/** @typedef {import('./util.js').Env} Env */
/** @typedef {import('./websocket.js').TransportSink} TransportSink */
/** @typedef {import('./websocket.js').Frame} Frame */
/** @typedef {import('../mesh-client.js').Position} Position */
/** @typedef {import('../mesh-client.js').EventSourceLike} EventSourceLike */
/** @typedef {import('../mesh-client.js').ResponseLike} ResponseLike */

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
export function sseUrl(httpBase, identity, subscriptions, ticket) {
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

export class SseTransport {
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
