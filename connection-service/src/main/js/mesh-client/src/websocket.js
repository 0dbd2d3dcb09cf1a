// The WebSocket transport (PROTOCOL 3): one connection attempt. It reports frames and exactly one end to its sink,
// unless detached.

/** @typedef {import('./util.js').Env} Env */
/** @typedef {import('../mesh-client.js').WebSocketLike} WebSocketLike */

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
export function parseFrame(text) {
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
export function webSocketUrl(httpBase, identity, ticket) {
  const q = new URLSearchParams(identity);
  if (ticket) q.set('ticket', ticket);
  return `${httpBase.replace(/^http/i, 'ws')}/ws?${q}`;
}

export class WebSocketTransport {
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
