// Fakes for the mesh-client unit tests: a manual clock, WebSocket, EventSource, fetch, window/document and
// sessionStorage. Nothing here sleeps: time moves only when a test calls clock.tick().

import { MeshClient } from './client.mjs';

/** Lets pending promise chains (fetch, getToken, handler promises) run to completion. */
export async function flush() {
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => {
      setImmediate(resolve);
    });
  }
}

export class FakeClock {
  constructor(start = 1_700_000_000_000) {
    this.t = start;
    this.timers = new Map();
    this.nextId = 1;
    this.now = () => this.t;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.t + Math.max(0, Number(ms) || 0), fn });
      return id;
    };
    this.clearTimeout = (id) => {
      this.timers.delete(id);
    };
  }

  /** Advances time by `ms`, running due timers in order (ties in creation order) and promise chains between. */
  async tick(ms = 0) {
    const end = this.t + ms;
    await flush();
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (!next || timer.at < next.timer.at)) next = { id, timer };
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.t = next.timer.at;
      next.timer.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }

  /** Delays (from now) of the timers still pending, ascending. */
  pending() {
    return [...this.timers.values()].map((t) => t.at - this.t).sort((a, b) => a - b);
  }
}

let connectionCounter = 0;

export function welcomeFrame(extra = {}) {
  return {
    type: 'welcome', protocol: 1, connectionId: `conn${++connectionCounter}`, nodeId: 'node-a', userId: 'alice',
    heartbeat: { intervalMs: 25000, timeoutMs: 10000 }, ...extra,
  };
}

export function fakeWebSocketClass() {
  return class FakeWebSocket {
    static instances = [];

    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closeCalls = [];
      this.autoCloseEvent = true;
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      FakeWebSocket.instances.push(this);
    }

    get query() {
      return new URL(this.url).searchParams;
    }

    send(text) {
      if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
      this.sent.push(JSON.parse(text));
    }

    /** Client-initiated close: like a browser, the close event follows (here on the next microtask). */
    close(code, reason) {
      this.closeCalls.push({ code, reason });
      if (this.readyState >= 2) return;
      this.readyState = 2;
      if (!this.autoCloseEvent) return;
      queueMicrotask(() => {
        this.readyState = 3;
        this.onclose?.({ code: code ?? 1005, reason: reason ?? '', wasClean: true });
      });
    }

    sentOfType(type) {
      return this.sent.filter((f) => f.type === type);
    }

    // ---- the server's side
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }

    receive(frame) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }

    welcome(extra = {}) {
      if (this.readyState === 0) this.open();
      const frame = welcomeFrame(extra);
      this.receive(frame);
      return frame;
    }

    serverClose(code, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason, wasClean: true });
    }

    /** The connection dies without a close frame (or the upgrade is refused). */
    drop() {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
    }
  };
}

export function fakeEventSourceClass() {
  return class FakeEventSource extends EventTarget {
    static instances = [];

    constructor(url, init) {
      super();
      this.url = url;
      this.init = init;
      this.readyState = 0;
      this.closed = false;
      FakeEventSource.instances.push(this);
    }

    get query() {
      return new URL(this.url).searchParams;
    }

    close() {
      this.readyState = 2;
      this.closed = true;
    }

    // ---- the server's side: each frame is a named SSE event whose data is the frame's JSON
    receive(frame, lastEventId = '') {
      this.readyState = 1;
      this.dispatchEvent(new MessageEvent(frame.type, { data: JSON.stringify(frame), lastEventId }));
    }

    welcome(extra = {}) {
      const frame = welcomeFrame(extra);
      this.receive(frame);
      return frame;
    }

    /** EventSource's own failure event: no data. */
    fail() {
      this.readyState = 0;
      this.dispatchEvent(new Event('error'));
    }
  };
}

function response(status, body) {
  return {
    status,
    ok: status >= 200 && status < 300,
    json: async () => {
      if (body === undefined) throw new SyntaxError('Unexpected end of JSON input');
      return body;
    },
    text: async () => (body === undefined ? '' : JSON.stringify(body)),
  };
}

/**
 * A fake fetch. POST /auth/ticket hands out tk1, tk2, ...; POST /sse/{id} answers ping with pong, ack and close with
 * 204, and anything else through `fetch.sse(frame, call)` (default: 204). `fetch.ticket(call)` may override tickets.
 */
export function fakeFetch() {
  const fetch = async (url, init = {}) => {
    const call = { url: String(url), init, body: init.body ? JSON.parse(init.body) : undefined };
    fetch.calls.push(call);
    if (call.url.endsWith('/auth/ticket')) {
      if (fetch.ticket) {
        const r = await fetch.ticket(call);
        return response(r.status, r.body);
      }
      return response(200, { ticket: `tk${++fetch.tickets}`, expiresInMs: 30000 });
    }
    if (/\/sse\/[^/]+$/.test(call.url)) {
      const frame = call.body;
      if (fetch.sse) {
        const r = await fetch.sse(frame, call);
        if (r) return response(r.status, r.body);
      }
      if (frame.type === 'ping') return response(200, { type: 'pong', id: frame.id });
      return response(204);
    }
    return response(404, { error: 'not-found' });
  };
  fetch.calls = [];
  fetch.tickets = 0;
  fetch.sse = null;
  fetch.ticket = null;
  fetch.ssePosts = (type) => fetch.calls.filter((c) => /\/sse\//.test(c.url) && (!type || c.body?.type === type));
  return fetch;
}

/** window and document stand-ins that record every listener type ever added. */
export function fakePage() {
  const added = [];
  const record = (target) => {
    const add = target.addEventListener.bind(target);
    target.addEventListener = (type, fn, opts) => {
      added.push(type);
      add(type, fn, opts);
    };
    return target;
  };
  const window = record(new EventTarget());
  const document = record(new EventTarget());
  document.visibilityState = 'visible';
  const fire = (target, type, props = {}) => {
    const e = new Event(type);
    for (const [k, v] of Object.entries(props)) Object.defineProperty(e, k, { value: v });
    target.dispatchEvent(e);
  };
  return {
    window, document, added,
    pagehide: (persisted = true) => fire(window, 'pagehide', { persisted }),
    pageshow: (persisted) => fire(window, 'pageshow', { persisted }),
    offline: () => fire(window, 'offline'),
    online: () => fire(window, 'online'),
    setVisibility: (state) => {
      document.visibilityState = state;
      fire(document, 'visibilitychange');
    },
  };
}

export function fakeStorage(initial = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k),
  };
}

/**
 * A client wired to fakes. `h.random` (default 0.5, i.e. no jitter) feeds the backoff; `h.token` is what getToken
 * returns; every state change and event is recorded.
 *
 * Reconnect delays are the plain backoff (or the hint) unless a test asks otherwise: the first-retry spread and the
 * hint jitter are off (`firstRetrySpreadMs: 0`, `hintJitter: 0`), so that the tests of the state machine do not depend
 * on them. The tests named 'reconnect spread' run the defaults.
 */
export function setup(options = {}) {
  const clock = new FakeClock();
  const WebSocket = fakeWebSocketClass();
  const EventSource = fakeEventSourceClass();
  const fetch = fakeFetch();
  const page = fakePage();
  const storage = fakeStorage();
  const h = {
    clock, WebSocket, EventSource, fetch, page, storage,
    random: 0.5,
    token: 'jwt-1',
    tokenCalls: [],
    states: [],
    reconnects: [],
    events: [],
    errors: [],
    resets: [],
    gaps: [],
    presence: [],
    transports: [],
  };
  const client = new MeshClient({
    url: 'http://mesh.test',
    sessionId: 'sess1',
    getToken: async (ctx) => {
      h.tokenCalls.push(ctx.reason);
      return h.token;
    },
    WebSocket, EventSource, fetch,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    now: clock.now,
    random: () => h.random,
    sessionStorage: storage,
    window: page.window,
    document: page.document,
    firstRetrySpreadMs: 0,
    hintJitter: 0,
    ...options,
  });
  h.client = client;
  client.on('state', (e) => h.states.push(e));
  client.on('reconnect', (e) => h.reconnects.push(e));
  client.on('event', (e) => h.events.push(e));
  client.on('error', (e) => h.errors.push(e));
  client.on('reset', (e) => h.resets.push(e));
  client.on('gap', (e) => h.gaps.push(e));
  client.on('presence', (e) => h.presence.push(e));
  client.on('transport', (e) => h.transports.push(e));
  Object.defineProperty(h, 'ws', { get: () => WebSocket.instances.at(-1) });
  Object.defineProperty(h, 'es', { get: () => EventSource.instances.at(-1) });
  /** state:reason of every transition so far. */
  h.trail = () => h.states.map((s) => `${s.state}:${s.reason}`);
  /** connect() and complete the first connection (welcome). */
  h.connect = async (extra = {}) => {
    client.connect();
    await clock.tick(0);
    h.ws.welcome(extra);
    await clock.tick(0);
    return h.ws;
  };
  /** Completes the current (re)connection attempt with a welcome once its socket exists. */
  h.welcomeNext = async (extra = {}) => {
    await clock.tick(0);
    h.ws.welcome(extra);
    await clock.tick(0);
    return h.ws;
  };
  return h;
}
