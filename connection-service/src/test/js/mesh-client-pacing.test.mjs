// Unit tests of mesh-client.js: every frame the server's rate limit counts (FrameHandler.handle takes a token for each
// frame before it decodes it: subscribe, unsubscribe, publish, ack, ping, refresh) goes through one token bucket per
// connection, in one FIFO, except the heartbeat ping, which the unused half of the burst covers (PROTOCOL 3.4). The
// server's bucket is simulated on the fake clock: no frame may be dropped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { setup } from './fakes.mjs';

// The server's defaults: 50 frames per second, a burst of 100. The client holds half the burst and 80 % of the rate.
const LIMITS = { maxFrameBytes: 65536, ratePerSecond: 50, rateBurst: 100, maxSubscriptions: 100 };
const LONG = { timeoutMs: 120000 }; // the tests outlast the default publishTimeoutMs
const CHANNELS = [...Array(60).keys()].map((i) => `room:r${i}`);

/** Records when each frame is written to each socket (on the fake clock). */
function recordTimes(h) {
  const send = h.WebSocket.prototype.send;
  h.WebSocket.prototype.send = function timedSend(text) {
    send.call(this, text);
    (this.times ??= []).push(h.clock.t);
  };
}

/**
 * Replays the frames of one socket into the server's token bucket (TokenBucket.java: full at the start, `rateBurst`
 * at most, refilled at `ratePerSecond`); returns the frames it would have dropped.
 */
function serverDrops(ws, { ratePerSecond, rateBurst }, openedAt) {
  let tokens = rateBurst;
  let last = openedAt;
  const dropped = [];
  (ws.times ?? []).forEach((t, i) => {
    tokens = Math.min(rateBurst, tokens + ((t - last) * ratePerSecond) / 1000);
    last = t;
    if (tokens >= 1) tokens -= 1;
    else dropped.push(ws.sent[i]);
  });
  return dropped;
}

/** The most frames sent within any `windowMs` (a sliding window starting at each frame). */
function mostInWindow(ws, windowMs) {
  const times = ws.times ?? [];
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] < times[i] - windowMs + 1) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** A connection subscribed to the 60 channels, each at (E<i>, i + 1); returns the socket. */
async function subscribedToAll(h, welcome = { limits: LIMITS }) {
  const ws = await h.connect(welcome);
  const done = CHANNELS.map((ch) => h.client.subscribe(ch));
  await h.clock.tick(2000); // paced: 50 at once (the user channel's among them), the other 11 within 300 ms
  for (const f of ws.sentOfType('subscribe')) {
    const i = CHANNELS.indexOf(f.channel);
    ws.receive({ type: 'subscribed', id: f.id, channel: f.channel, position: { epoch: i < 0 ? 'U' : `E${i}`, seq: i + 1 } });
  }
  await Promise.all(done);
  return ws;
}

/** Drops the connection and waits until the next attempt has its socket (not yet welcomed). */
async function dropAndWait(h) {
  h.ws.drop();
  await h.clock.tick(h.reconnects.at(-1).delayMs);
}

describe('pacing: every frame the server counts, one bucket, one FIFO', () => {
  test('a reconnect with 60 subscriptions and 80 queued publishes stays within the server\'s burst', async () => {
    const h = setup();
    recordTimes(h);
    const first = await subscribedToAll(h);
    assert.deepEqual(serverDrops(first, LIMITS, first.times[0]), [], 'subscribing 60 channels is paced too');
    await dropAndWait(h);
    for (let i = 0; i < 80; i++) h.client.publish(CHANNELS[i % 60], i, LONG).catch(() => {});
    const welcomedAt = h.clock.t;
    const ws = await h.welcomeNext({ limits: LIMITS });
    await h.clock.tick(10000);

    // Everything went out, once: 61 subscribes (the user channel's first) then the 80 publishes, in order.
    assert.equal(ws.sent.length, 141);
    assert.deepEqual(ws.sent.map((f) => f.type), [...Array(61).fill('subscribe'), ...Array(80).fill('publish')]);
    assert.deepEqual(ws.sent.slice(0, 61).map((f) => f.channel), ['user:alice', ...CHANNELS]);
    assert.deepEqual(ws.sentOfType('publish').map((f) => f.data), [...Array(80).keys()]);
    // Each subscribe carries its resume position, and goes before any publish to its channel.
    for (const [i, ch] of CHANNELS.entries()) {
      const sub = ws.sent.findIndex((f) => f.type === 'subscribe' && f.channel === ch);
      assert.deepEqual(ws.sent[sub].position, { epoch: `E${i}`, seq: i + 1 });
      const pub = ws.sent.findIndex((f) => f.type === 'publish' && f.channel === ch);
      assert.ok(sub < pub, `subscribe of ${ch} before its first publish`);
    }
    // Never more than the client's bucket (50 at once, then 40 a second) nor than the server's (100, 50 a second).
    assert.equal(mostInWindow(ws, 1), 50);
    assert.ok(mostInWindow(ws, 1000) <= 50 + 40, `${mostInWindow(ws, 1000)} frames within 1 s`);
    assert.ok(mostInWindow(ws, 2000) <= 50 + 80, `${mostInWindow(ws, 2000)} frames within 2 s`);
    assert.deepEqual(serverDrops(ws, LIMITS, welcomedAt), []);
    assert.equal(ws.times.at(-1) - welcomedAt, (141 - 50) * 25, 'the rest at 25 ms each');
  });

  test('the same reconnect against an older server (no limits) sends everything at once, in the same order', async () => {
    const h = setup();
    recordTimes(h);
    await subscribedToAll(h);
    await dropAndWait(h);
    for (let i = 0; i < 80; i++) h.client.publish(CHANNELS[i % 60], i, LONG).catch(() => {});
    const welcomedAt = h.clock.t;
    const ws = await h.welcomeNext();
    assert.deepEqual(ws.sent.map((f) => f.type), [...Array(61).fill('subscribe'), ...Array(80).fill('publish')]);
    assert.ok(ws.times.every((t) => t === welcomedAt));
  });

  test('subscribe() then publish() while the queue is long: the subscribe still goes first', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    for (let i = 0; i < 100; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    h.client.subscribe('room:late').catch(() => {});
    h.client.publish('room:late', 'after', LONG).catch(() => {});
    assert.equal(ws.sentOfType('subscribe').length, 1, 'only the user channel\'s so far: the subscribe waits its turn');
    await h.clock.tick(5000);
    const types = ws.sent.map((f) => `${f.type}:${f.channel}`);
    assert.equal(types.length, 1 + 100 + 2);
    assert.deepEqual(types.slice(-2), ['subscribe:room:late', 'publish:room:late']);
  });

  test('an unsubscribe before its subscribe went out sends neither; the subscribe is not sent later', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    for (let i = 0; i < 60; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    const subscribed = h.client.subscribe('room:brief');
    assert.equal(await h.client.unsubscribe('room:brief'), true);
    await assert.rejects(subscribed, { code: 'unsubscribed' });
    await h.clock.tick(5000);
    assert.equal(ws.sentOfType('publish').length, 60);
    assert.deepEqual(ws.sent.filter((f) => f.channel === 'room:brief'), []);
  });

  test('an unsubscribe waits its turn too, behind the frames queued before it', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    h.client.subscribe('room:a').catch(() => {});
    const [sub] = ws.sentOfType('subscribe').filter((f) => f.channel === 'room:a');
    ws.receive({ type: 'subscribed', id: sub.id, channel: 'room:a', position: { epoch: 'E', seq: 0 } });
    for (let i = 0; i < 60; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    const done = h.client.unsubscribe('room:a');
    assert.equal(ws.sentOfType('unsubscribe').length, 0);
    await h.clock.tick(1000);
    const [unsub] = ws.sentOfType('unsubscribe');
    assert.equal(ws.sent.indexOf(unsub), ws.sent.length - 1, 'after the 60 publishes');
    ws.receive({ type: 'unsubscribed', id: unsub.id, channel: 'room:a' });
    assert.equal(await done, true);
  });

  test('acks wait their turn and coalesce: one cumulative ack for the critical events handled meanwhile', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    h.client.subscribe('chat:lobby').catch(() => {});
    const [sub] = ws.sentOfType('subscribe').filter((f) => f.channel === 'chat:lobby');
    ws.receive({ type: 'subscribed', id: sub.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    for (let i = 0; i < 80; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    for (let seq = 42; seq <= 46; seq++) {
      ws.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq, id: `m${seq}`, data: seq, critical: true });
    }
    assert.equal(h.events.length, 5, 'delivered at once');
    assert.deepEqual(ws.sentOfType('ack'), [], 'the acks wait behind the publishes');
    await h.clock.tick(2000);
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 46 }]);
    assert.equal(ws.sent.at(-1).type, 'ack');
  });

  test('without a queue, an ack goes at once (a token is there)', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    h.client.subscribe('chat:lobby').catch(() => {});
    const [sub] = ws.sentOfType('subscribe').filter((f) => f.channel === 'chat:lobby');
    ws.receive({ type: 'subscribed', id: sub.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    ws.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm42', data: 1, critical: true });
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 42 }]);
  });

  test('a heartbeat ping does not wait behind queued frames: a dead socket is noticed on time', async () => {
    const h = setup({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 500 });
    recordTimes(h);
    const ws = await h.connect({ limits: LIMITS });
    const welcomedAt = h.clock.t;
    for (let i = 0; i < 200; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    await h.clock.tick(1000); // the heartbeat: 89 publishes out, 111 still wait
    const pings = ws.sentOfType('ping');
    assert.equal(pings.length, 1, 'sent at the heartbeat, ahead of the publishes still waiting');
    assert.ok(ws.sentOfType('publish').length < 200);
    ws.receive({ type: 'pong', id: pings[0].id });
    assert.equal(h.client.state, 'connected');
    await h.clock.tick(1000); // the next heartbeat, and no pong this time: the socket went silent
    assert.equal(ws.sentOfType('ping').length, 2);
    await h.clock.tick(500);
    assert.notEqual(h.client.state, 'connected', 'heartbeat-timeout while publishes still waited their turn');
    assert.deepEqual(serverDrops(ws, LIMITS, welcomedAt), [], 'the reserve half of the burst covers the pings');
  });

  test('a rate-limited subscribe is sent again through the pacer, behind the frames already waiting', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    h.client.subscribe('room:a').catch(() => {});
    const [sub] = ws.sentOfType('subscribe').filter((f) => f.channel === 'room:a');
    for (let i = 0; i < 60; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    ws.receive({ type: 'error', id: sub.id, code: 'rate-limited', message: 'slow down', retryAfterMs: 20 });
    await h.clock.tick(24);
    assert.equal(ws.sentOfType('subscribe').filter((f) => f.channel === 'room:a').length, 1, 'the retry waits');
    await h.clock.tick(1000);
    const again = ws.sent.at(-1);
    assert.equal(again.type, 'subscribe');
    assert.equal(again.channel, 'room:a');
    assert.equal(ws.sentOfType('publish').length, 60);
  });

  test('a token refresh waits its turn', async () => {
    const h = setup();
    const ws = await h.connect({ limits: LIMITS });
    for (let i = 0; i < 60; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    h.token = 'jwt-2';
    ws.receive({ type: 'token-expiring', expiresAt: h.clock.t + 60000, refreshBy: h.clock.t + 30000 });
    await h.clock.tick(0);
    assert.equal(ws.sentOfType('refresh').length, 0);
    await h.clock.tick(1000);
    assert.deepEqual(ws.sent.at(-1), { type: 'refresh', id: ws.sent.at(-1).id, token: 'jwt-2' });
  });

  test('a new connection starts with a full bucket and an empty queue', async () => {
    const h = setup();
    recordTimes(h);
    const first = await subscribedToAll(h);
    for (let i = 0; i < 200; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    await dropAndWait(h);
    const welcomedAt = h.clock.t;
    const ws = await h.welcomeNext({ limits: LIMITS });
    assert.equal(ws.sent.length, 50);
    assert.deepEqual(ws.sent.map((f) => f.type), Array(50).fill('subscribe'));
    await h.clock.tick(20000);
    assert.equal(ws.sentOfType('subscribe').length, 61);
    assert.equal(ws.sentOfType('publish').length, 200);
    assert.deepEqual(serverDrops(ws, LIMITS, welcomedAt), []);
    assert.deepEqual(serverDrops(first, LIMITS, first.times[0]), []);
  });

  test('over SSE the POSTs are paced the same way', async () => {
    const h = setup({ transport: 'sse' });
    for (let i = 0; i < 80; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    h.client.connect();
    await h.clock.tick(0);
    h.es.welcome({ limits: LIMITS });
    await h.clock.tick(0);
    const posts = () => h.fetch.ssePosts().map((c) => c.body.type);
    assert.deepEqual(posts(), ['subscribe', ...Array(49).fill('publish')]);
    await h.clock.tick(500);
    assert.equal(posts().length, 50 + 20);
    await h.clock.tick(31 * 25 - 500);
    assert.equal(posts().length, 81);
    assert.deepEqual(h.fetch.ssePosts('publish').map((c) => c.body.data), [...Array(80).keys()]);
  });
});
