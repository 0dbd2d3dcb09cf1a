// Unit tests of the reconnect spread (PROTOCOL 5.3) with the default options: the first retry after a close seen on
// the network is spread over firstRetrySpreadMs, server hints are honoured with a small jitter, and the closes that mean
// "at once" stay at once. The other test files pin the plain backoff (see setup() in fakes.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULTS, MeshClient, backoffDelay, reconnectDelay } from './client.mjs';
import { FakeClock, fakeWebSocketClass, setup } from './fakes.mjs';

/** The library defaults: undefined keeps a default, overriding what setup() pins. */
const DEFAULT_SPREAD = { firstRetrySpreadMs: undefined, hintJitter: undefined };

/** A seeded U(0, 1) source (mulberry32), so that a run is repeatable. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reconnect spread: the policy', () => {
  test('defaults: a first retry spread over 5 s, hints jittered by at most 10 %', () => {
    assert.equal(DEFAULTS.firstRetrySpreadMs, 5000);
    assert.equal(DEFAULTS.hintJitter, 0.1);
  });

  test('first attempt after a close seen on the network: U(0, firstRetrySpreadMs)', () => {
    assert.equal(reconnectDelay({ attempt: 1 }, () => 0), 0);
    assert.equal(reconnectDelay({ attempt: 1 }, () => 0.5), 2500);
    assert.equal(reconnectDelay({ attempt: 1 }, () => 0.999), 4995);
    assert.equal(reconnectDelay({ attempt: 1 }, () => 0.5, { firstRetrySpreadMs: 20000 }), 10000);
  });

  test('later attempts, the client\'s own detection and a spread of 0 use the backoff', () => {
    for (const r of [0, 0.5, 1]) {
      assert.equal(reconnectDelay({ attempt: 2 }, () => r), backoffDelay(2, () => r));
      assert.equal(reconnectDelay({ attempt: 7 }, () => r), backoffDelay(7, () => r));
      assert.equal(reconnectDelay({ attempt: 1, spread: false }, () => r), backoffDelay(1, () => r));
      assert.equal(reconnectDelay({ attempt: 1 }, () => r, { firstRetrySpreadMs: 0 }), backoffDelay(1, () => r));
    }
  });

  test('a hint is never shortened: hint * U(1, 1 + hintJitter), at any attempt; a hint of 0 stays 0', () => {
    assert.equal(reconnectDelay({ attempt: 1, hint: 3412 }, () => 0), 3412);
    assert.equal(reconnectDelay({ attempt: 1, hint: 3412 }, () => 1), 3753);
    assert.equal(reconnectDelay({ attempt: 5, hint: 2000 }, () => 0.5), 2100);
    assert.equal(reconnectDelay({ attempt: 1, hint: 0 }, () => 1), 0);
    assert.equal(reconnectDelay({ attempt: 1, hint: 3412 }, () => 1, { hintJitter: 0 }), 3412);
  });
});

describe('reconnect spread: what the client does with each close', () => {
  test('a dropped WebSocket (1006): the first retry is spread, the second is the backoff', async () => {
    const h = setup(DEFAULT_SPREAD);
    h.random = 0.25;
    await h.connect();
    h.ws.drop();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 1, delayMs: 1250 });
    await h.clock.tick(1249);
    const before = h.WebSocket.instances.length;
    await h.clock.tick(1);
    assert.equal(h.WebSocket.instances.length, before + 1, 'the attempt starts when its delay is over, not before');
    h.ws.drop();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 2, delayMs: 1800 });
  });

  test('a reconnect-range close without a hint (1011, 4002, 1001 without hint) is spread', async () => {
    for (const [code, reason] of [[1011, 'internal-error'], [4002, 'slow-consumer'], [1001, 'server-shutdown']]) {
      const h = setup(DEFAULT_SPREAD);
      h.random = 0.9;
      await h.connect();
      h.ws.serverClose(code, 'policy');
      assert.deepEqual(h.reconnects.at(-1), { reason, code, attempt: 1, delayMs: 4500 }, `close ${code}`);
    }
  });

  test('a broken SSE stream is spread like a dropped socket', async () => {
    const h = setup({ ...DEFAULT_SPREAD, transport: 'sse' });
    h.random = 0.6;
    h.client.connect();
    await h.clock.tick(0);
    h.es.welcome();
    await h.clock.tick(0);
    h.es.fail();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 1, delayMs: 3000 });
  });

  test('a goodbye hint, a retry-after close reason and a hint on the ticket request are honoured, plus their jitter', async () => {
    let h = setup(DEFAULT_SPREAD);
    h.random = 1;
    await h.connect();
    h.ws.receive({ type: 'goodbye', code: 1001, reason: 'server-shutdown', retryAfterMs: 3412 });
    h.ws.serverClose(1001, 'retry-after=3412');
    assert.deepEqual(h.reconnects.at(-1), { reason: 'server-shutdown', code: 1001, attempt: 1, delayMs: 3753 });

    h = setup(DEFAULT_SPREAD);
    h.random = 0;
    await h.connect();
    h.ws.serverClose(4004, 'retry-after=2500');
    assert.deepEqual(h.reconnects.at(-1), { reason: 'node-full', code: 4004, attempt: 1, delayMs: 2500 });

    h = setup(DEFAULT_SPREAD);
    h.random = 0.5;
    h.fetch.ticket = () => ({ status: 503, body: { error: 'unavailable', cause: 'draining', retryAfterMs: 4000 } });
    h.client.connect();
    await h.clock.tick(0);
    assert.equal(h.reconnects[0].delayMs, 4200);
  });

  test('deferred at admission (4006 before welcome): each hint is honoured with its jitter, deferrals are not '
    + 'failed attempts (more than maxAttempts of them never fail the client) and do not switch to SSE', async () => {
    const h = setup(DEFAULT_SPREAD);
    h.random = 1;
    h.client.connect();
    const hints = [300, 1200, 4800, 9000, 250, 700, 1500, 2600, 3100, 4100, 5000, 6000];
    assert.ok(hints.length > DEFAULTS.maxAttempts);
    for (const [i, hint] of hints.entries()) {
      await h.clock.tick(0);
      h.ws.open();
      h.ws.receive({ type: 'goodbye', code: 4006, reason: 'policy', retryAfterMs: hint, message: 'node busy' });
      h.ws.serverClose(4006, `retry-after=${hint}`);
      assert.deepEqual(h.reconnects.at(-1), { reason: 'deferred', code: 4006, attempt: 0,
        delayMs: Math.round(hint * 1.1) });
      await h.clock.tick(Math.round(hint * 1.1) - 1);
      assert.equal(h.WebSocket.instances.length, i + 1, `attempt ${i + 2} waits the whole hint`);
      await h.clock.tick(1);
    }
    assert.equal(h.WebSocket.instances.length, hints.length + 1);
    assert.equal(h.EventSource.instances.length, 0, 'a deferral proves the WebSocket works: no SSE fallback');
    h.ws.welcome();
    assert.equal(h.client.state, 'connected');
  });

  test('rotated (4001) and token expired (4003) still reconnect at once', async () => {
    for (const [code, reason] of [[4001, 'rotated'], [4003, 'token-expired']]) {
      const h = setup(DEFAULT_SPREAD);
      h.random = 0.99;
      await h.connect();
      h.ws.receive({ type: 'goodbye', code, reason, ...(code === 4001 ? { retryAfterMs: 0 } : {}) });
      h.ws.serverClose(code, code === 4001 ? 'retry-after=0' : reason);
      assert.deepEqual(h.reconnects.at(-1), { reason, code, attempt: 1, delayMs: 0 }, `close ${code}`);
    }
  });

  test('a missed pong (the client\'s own detection, at each page\'s heartbeat phase) is not spread: backoff', async () => {
    const h = setup(DEFAULT_SPREAD);
    h.random = 0.5;
    await h.connect();
    await h.clock.tick(25000 + 10000);
    assert.deepEqual(h.reconnects.at(-1), { reason: 'heartbeat-timeout', code: 4000, attempt: 1, delayMs: 1000 });
  });
});

describe('reconnect spread: 5,000 pages dropped at once', () => {
  /** 5,000 connected clients on a shared fake clock and a seeded random source. */
  function pages(n = 5000, options = {}) {
    const clock = new FakeClock();
    const WebSocket = fakeWebSocketClass();
    const random = seeded(20261203);
    const clients = [];
    for (let i = 0; i < n; i++) {
      const client = new MeshClient({
        url: 'http://mesh.test', sessionId: `page${i}`, WebSocket, random, setTimeout: clock.setTimeout,
        clearTimeout: clock.clearTimeout, now: clock.now, window: null, document: null, sessionStorage: null,
        ...options,
      });
      client.connect(); // no token: the socket opens synchronously
      WebSocket.instances.at(-1).welcome();
      clients.push(client);
    }
    return { clock, WebSocket, clients };
  }

  /** Counts the reconnect attempts (new sockets) per second of fake time for `seconds` after the drop. */
  async function attemptsPerSecond({ clock, WebSocket }, seconds) {
    const counts = [];
    for (let s = 0; s < seconds; s++) {
      const before = WebSocket.instances.length;
      await clock.tick(1000);
      counts.push(WebSocket.instances.length - before);
    }
    return counts;
  }

  test('the node dies (1006 on every page): the attempts spread over 5 s, about 1,000 a second, none in a burst', async () => {
    const mesh = pages();
    await mesh.clock.tick(15000); // connected for longer than healthyAfterMs: every page is at attempt 0
    const sockets = mesh.WebSocket.instances.slice();
    const delays = [];
    for (const client of mesh.clients) client.on('reconnect', (r) => delays.push(r.delayMs));
    for (const ws of sockets) ws.drop();
    assert.equal(delays.length, 5000);
    assert.ok(Math.min(...delays) >= 0 && Math.max(...delays) <= 5000, 'every first retry within [0, 5 s]');
    const counts = await attemptsPerSecond(mesh, 6);
    assert.equal(counts.reduce((a, b) => a + b, 0), 5000, 'every page tried again within 5 s');
    // Uniform over 5 s: 1,000 a second on average (binomial, sd 28); the old policy put all 5,000 in 0.8-1.2 s.
    for (const [second, count] of counts.slice(0, 5).entries()) {
      assert.ok(count >= 850 && count <= 1150, `second ${second}: ${count} attempts`);
    }
    const tenths = new Map();
    for (const d of delays) tenths.set(Math.floor(d / 100), (tenths.get(Math.floor(d / 100)) ?? 0) + 1);
    assert.ok(Math.max(...tenths.values()) <= 160, `at most 160 attempts in any 100 ms (saw ${Math.max(...tenths.values())})`);
  });

  test('with the spread off, the same storm comes back within 0.8-1.2 s: what the spread prevents', async () => {
    const mesh = pages(1000, { firstRetrySpreadMs: 0 });
    await mesh.clock.tick(15000);
    const delays = [];
    for (const client of mesh.clients) client.on('reconnect', (r) => delays.push(r.delayMs));
    for (const ws of mesh.WebSocket.instances.slice()) ws.drop();
    assert.ok(Math.min(...delays) >= 800 && Math.max(...delays) <= 1200, 'all 1,000 within 400 ms');
  });

  test('the node shuts down with spread hints (1001): every page waits at least its hint, at most 10 % more', async () => {
    const mesh = pages(1000);
    const hint = seeded(7);
    const sockets = mesh.WebSocket.instances.slice();
    const expected = [];
    const delays = [];
    for (const client of mesh.clients) client.on('reconnect', (r) => delays.push(r.delayMs));
    for (const ws of sockets) {
      const ms = Math.round(hint() * 5000);
      expected.push(ms);
      ws.receive({ type: 'goodbye', code: 1001, reason: 'server-shutdown', retryAfterMs: ms });
      ws.serverClose(1001, `retry-after=${ms}`);
    }
    for (const [i, d] of delays.entries()) {
      assert.ok(d >= expected[i] && d <= Math.round(expected[i] * 1.1), `page ${i}: hint ${expected[i]}, waits ${d}`);
    }
  });
});
