// Unit tests of mesh-client.js: outbox, subscriptions, resume, dedupe, critical acks, presence, token refresh.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { UnsubscribeReasons } from './client.mjs';
import { setup } from './fakes.mjs';

const B64URL_22 = /^[A-Za-z0-9_-]{22}$/;

/** Connected client subscribed to chat:lobby at (E1, 41); returns the socket. */
async function subscribedTo(h, channel = 'chat:lobby', position = { epoch: 'E1', seq: 41 }, options = {}) {
  const ws = await h.connect();
  const done = h.client.subscribe(channel, options);
  const frame = ws.sentOfType('subscribe').find((f) => f.channel === channel);
  ws.receive({ type: 'subscribed', id: frame.id, channel, position, ...(options.snapshot ? { presence: options.snapshot } : {}) });
  await done;
  return ws;
}

function event(seq, extra = {}) {
  return { type: 'event', channel: 'chat:lobby', epoch: 'E1', seq, id: `m${seq}`, ts: '2026-11-21T23:28:01.204Z', data: { n: seq }, ...extra };
}

/** Drops the connection and completes the reconnect; returns the new socket. */
async function reconnect(h) {
  h.ws.drop();
  await h.clock.tick(h.reconnects.at(-1).delayMs);
  return h.welcomeNext();
}

describe('outbox', () => {
  test('queued while not connected, sent once after welcome, resolved by published', async () => {
    const h = setup();
    const p = h.client.publish('chat:lobby', { text: 'hi' });
    assert.equal(h.client.pending, 1);
    h.client.connect();
    await h.clock.tick(0);
    assert.equal(h.ws.sent.length, 0);
    h.ws.welcome();
    const publishes = h.ws.sentOfType('publish');
    assert.equal(publishes.length, 1);
    assert.deepEqual(Object.keys(publishes[0]), ['type', 'id', 'channel', 'data']);
    assert.match(publishes[0].id, B64URL_22);
    assert.deepEqual(publishes[0].data, { text: 'hi' });
    h.ws.receive({ type: 'published', id: publishes[0].id, channel: 'chat:lobby', epoch: 'E1', seq: 42 });
    assert.deepEqual(await p, { id: publishes[0].id, channel: 'chat:lobby', epoch: 'E1', seq: 42, duplicate: false });
    assert.equal(h.client.pending, 0);
    const first = h.ws;
    await h.clock.tick(60000); // no pongs: a reconnect happens meanwhile
    assert.equal(first.sentOfType('publish').length, 1);
    await h.welcomeNext();
    assert.notEqual(h.ws, first);
    assert.equal(h.ws.sentOfType('publish').length, 0);
  });

  test('published while connected: sent at once, once; critical flag sent', async () => {
    const h = setup();
    const ws = await h.connect();
    h.client.publish('chat:lobby', 1, { critical: true });
    const [frame] = ws.sentOfType('publish');
    assert.equal(frame.critical, true);
    await h.clock.tick(5000);
    assert.equal(ws.sentOfType('publish').length, 1);
  });

  test('every message gets its own id', async () => {
    const h = setup();
    const ws = await h.connect();
    for (let i = 0; i < 50; i++) h.client.publish('chat:lobby', i).catch(() => {});
    const ids = new Set(ws.sentOfType('publish').map((f) => f.id));
    assert.equal(ids.size, 50);
  });

  test('not acknowledged before a drop: retried with the same id on the next connection', async () => {
    const h = setup();
    const first = await h.connect();
    const p = h.client.publish('chat:lobby', { text: 'hi' });
    const [sent] = first.sentOfType('publish');
    const second = await reconnect(h);
    const [again] = second.sentOfType('publish');
    assert.deepEqual(again, sent);
    second.receive({ type: 'published', id: sent.id, channel: 'chat:lobby', epoch: 'E1', seq: 42, duplicate: true });
    assert.equal((await p).duplicate, true);
    const third = await reconnect(h);
    assert.equal(third.sentOfType('publish').length, 0);
  });

  test('no published within publishTimeoutMs: rejected with timeout, never sent again', async () => {
    const h = setup();
    const ws = await h.connect();
    const p = h.client.publish('chat:lobby', 1);
    let error = null;
    p.catch((e) => { error = e; });
    await h.clock.tick(9999);
    assert.equal(error, null);
    await h.clock.tick(1);
    assert.equal(error.code, 'timeout');
    assert.match(error.message, /no acknowledgement within 10000 ms/);
    assert.equal(h.client.pending, 0);
    const next = await reconnect(h);
    assert.equal(next.sentOfType('publish').length, 0);
    assert.equal(ws.sentOfType('publish').length, 1);
  });

  test('timeoutMs per message', async () => {
    const h = setup();
    const p = assert.rejects(h.client.publish('chat:lobby', 1, { timeoutMs: 50 }), { code: 'timeout' });
    await h.clock.tick(50);
    await p;
  });

  test('bounded: a publish beyond outboxLimit is rejected at once with a clear error', async () => {
    const h = setup({ outboxLimit: 2 });
    const a = h.client.publish('chat:lobby', 1);
    const b = h.client.publish('chat:lobby', 2);
    await assert.rejects(h.client.publish('chat:lobby', 3), (e) => e.code === 'outbox-full' && /2 messages already wait/.test(e.message));
    assert.equal(h.client.pending, 2);
    const ws = await h.connect();
    assert.deepEqual(ws.sentOfType('publish').map((f) => f.data), [1, 2]);
    for (const f of ws.sentOfType('publish')) ws.receive({ type: 'published', id: f.id, channel: 'chat:lobby', epoch: 'E', seq: f.data });
    assert.equal((await a).seq, 1);
    assert.equal((await b).seq, 2);
  });

  test('the default bound is 1,000 messages', async () => {
    const h = setup();
    for (let i = 0; i < 1000; i++) h.client.publish('chat:lobby', i).catch(() => {});
    await assert.rejects(h.client.publish('chat:lobby', 'one too many'), { code: 'outbox-full' });
  });

  test('rejected when the client fails, and at once while failed', async () => {
    const h = setup();
    await h.connect();
    const queued = h.client.publish('chat:lobby', 1);
    h.ws.serverClose(4502, 'policy');
    await assert.rejects(queued, (e) => e.code === 'failed' && e.cause.code === 'policy-violation');
    await assert.rejects(h.client.publish('chat:lobby', 2), { code: 'failed' });
  });

  test('rejected on close(), and at once while closed', async () => {
    const h = setup();
    await h.connect();
    const queued = h.client.publish('chat:lobby', 1);
    h.client.close();
    await assert.rejects(queued, { code: 'closed' });
    await assert.rejects(h.client.publish('chat:lobby', 2), { code: 'closed' });
  });

  test('an error reply rejects with the server\'s code and message', async () => {
    const h = setup();
    const ws = await h.connect();
    const p = h.client.publish('chat:lobby', 1);
    const [f] = ws.sentOfType('publish');
    ws.receive({ type: 'error', id: f.id, code: 'forbidden', message: 'publish to chat:lobby is not allowed', channel: 'chat:lobby' });
    await assert.rejects(p, { code: 'forbidden', message: 'publish to chat:lobby is not allowed' });
    assert.equal(h.errors.length, 0, 'reported through the promise, not as an error event');
  });

  test('unavailable: the same frame is sent again after retryUnavailableMs', async () => {
    const h = setup();
    const ws = await h.connect();
    h.client.publish('chat:lobby', 1);
    const [f] = ws.sentOfType('publish');
    ws.receive({ type: 'error', id: f.id, code: 'unavailable', message: 'replay-service did not answer' });
    await h.clock.tick(999);
    assert.equal(ws.sentOfType('publish').length, 1);
    await h.clock.tick(1);
    assert.deepEqual(ws.sentOfType('publish'), [f, f]);
  });

  test('rate-limited: sent again after the server\'s retryAfterMs', async () => {
    const h = setup();
    const ws = await h.connect();
    h.client.publish('chat:lobby', 1);
    const [f] = ws.sentOfType('publish');
    ws.receive({ type: 'error', id: f.id, code: 'rate-limited', message: 'slow down', retryAfterMs: 20 });
    await h.clock.tick(20);
    assert.equal(ws.sentOfType('publish').length, 2);
  });

  // Pacing: half the burst at once (50 of 100), then 80 % of the rate (40 of 50 per second): one every 25 ms. Every
  // frame takes a token: on welcome the subscribe of the user channel takes the first, so 49 publishes go at once.
  const LIMITS = { limits: { maxFrameBytes: 65536, ratePerSecond: 50, rateBurst: 100, maxSubscriptions: 100 } };
  const LONG = { timeoutMs: 60000 }; // the tests outlast the default publishTimeoutMs

  test('pacing: a full outbox after welcome goes out at half the burst, then at 80 % of the rate', async () => {
    const h = setup();
    for (let i = 0; i < 300; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    const ws = await h.connect(LIMITS);
    assert.deepEqual(ws.sent.map((f) => f.type), ['subscribe', ...Array(49).fill('publish')]);
    await h.clock.tick(999);
    assert.equal(ws.sentOfType('publish').length, 88);
    await h.clock.tick(1);
    assert.equal(ws.sentOfType('publish').length, 89);
    await h.clock.tick(6275 - 1000); // the other 211 at 25 ms each
    assert.deepEqual(ws.sentOfType('publish').map((f) => f.data), [...Array(300).keys()]);
    assert.equal(new Set(ws.sentOfType('publish').map((f) => f.id)).size, 300);
    assert.equal(h.client.pending, 300);
  });

  test('pacing: none without limits in the welcome (an older server), even after a paced connection', async () => {
    const h = setup();
    for (let i = 0; i < 300; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    const first = await h.connect(LIMITS);
    assert.equal(first.sentOfType('publish').length, 49);
    const second = await reconnect(h);
    assert.deepEqual(second.sentOfType('publish').map((f) => f.data), [...Array(300).keys()]);
  });

  test('pacing: a reconnect mid-drain starts a full bucket, sends only what is unacknowledged, once', async () => {
    const h = setup();
    const start = h.clock.t;
    for (let i = 0; i < 300; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    // A slow first connection (0.4 per second: a token every 2,500 ms), so its drain timer outlives it.
    const first = await h.connect({ limits: { ...LIMITS.limits, ratePerSecond: 0.5 } });
    await h.clock.tick(2500);
    const sentFirst = first.sentOfType('publish');
    assert.deepEqual(sentFirst.map((f) => f.data), [...Array(50).keys()]);
    for (const f of sentFirst.slice(0, 40)) first.receive({ type: 'published', id: f.id, channel: 'chat:lobby', epoch: 'E', seq: f.data + 1 });
    assert.equal(h.client.pending, 260);
    first.drop();
    await h.clock.tick(h.reconnects.at(-1).delayMs);
    const second = await h.welcomeNext(LIMITS);
    assert.ok(h.clock.t - start < 5000, 'the first connection\'s next drain is still due');
    assert.deepEqual(second.sentOfType('publish').map((f) => f.data), [...Array(49).keys()].map((i) => 40 + i));
    await h.clock.tick(1000);
    assert.equal(second.sentOfType('publish').length, 89);
    await h.clock.tick(2000); // past the first connection's drain timer
    assert.equal(second.sentOfType('publish').length, 49 + 120, 'paced only by this connection\'s bucket');
    assert.equal(first.sentOfType('publish').length, 50, 'nothing more on the old socket');
    await h.clock.tick(10000);
    assert.deepEqual(second.sentOfType('publish').map((f) => f.data), [...Array(260).keys()].map((i) => 40 + i));
  });

  test('pacing: publish() in a tight loop while connected', async () => {
    const h = setup();
    const ws = await h.connect(LIMITS);
    for (let i = 0; i < 200; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    assert.equal(ws.sentOfType('publish').length, 49);
    await h.clock.tick(1000);
    assert.equal(ws.sentOfType('publish').length, 89);
    await h.clock.tick(3775 - 1000); // the other 111 at 25 ms each
    assert.deepEqual(ws.sentOfType('publish').map((f) => f.data), [...Array(200).keys()]);
  });

  test('pacing: a rate-limited publish is sent again through the pacer, behind those already waiting', async () => {
    const h = setup();
    const ws = await h.connect(LIMITS);
    for (let i = 0; i < 60; i++) h.client.publish('chat:lobby', i, LONG).catch(() => {});
    const [f] = ws.sentOfType('publish');
    ws.receive({ type: 'error', id: f.id, code: 'rate-limited', message: 'slow down', retryAfterMs: 20 });
    await h.clock.tick(24);
    assert.equal(ws.sentOfType('publish').length, 49, 'the retry waits for a token');
    await h.clock.tick(1000);
    const sent = ws.sentOfType('publish');
    assert.deepEqual(sent.map((x) => x.data), [...[...Array(60).keys()], 0]);
    assert.deepEqual(sent.at(-1), f);
  });

  test('invalid arguments are rejected before queueing', async () => {
    const h = setup();
    await assert.rejects(h.client.publish('chat:lobby', null), { code: 'invalid-data' });
    await assert.rejects(h.client.publish('chat lobby', 1), { code: 'invalid-channel' });
    await assert.rejects(h.client.publish('chat:lobby', 1, { id: 'no spaces allowed' }), { code: 'invalid-id' });
    assert.equal(h.client.pending, 0);
  });
});

describe('subscriptions and resume', () => {
  test('subscribes to its own user channel on every connect', async () => {
    const h = setup();
    const ws = await h.connect();
    assert.deepEqual(ws.sentOfType('subscribe').map(({ id, ...f }) => f), [{ type: 'subscribe', channel: 'user:alice' }]);
    const [sub] = ws.sentOfType('subscribe');
    ws.receive({ type: 'subscribed', id: sub.id, channel: 'user:alice', position: { epoch: 'U1', seq: 6 } });
    ws.receive({ ...event(7), channel: 'user:alice', epoch: 'U1' });
    assert.equal(h.events[0].channel, 'user:alice');
    const next = await reconnect(h);
    assert.deepEqual(next.sentOfType('subscribe').map(({ id, ...f }) => f),
      [{ type: 'subscribe', channel: 'user:alice', position: { epoch: 'U1', seq: 7 } }]);
  });

  test('subscribe before connecting: sent after welcome with presence and info, resolved by subscribed', async () => {
    const h = setup();
    const p = h.client.subscribe('chat:lobby', { presence: true, info: { name: 'Alice' } });
    const ws = await h.connect();
    const frame = ws.sentOfType('subscribe').find((f) => f.channel === 'chat:lobby');
    assert.match(frame.id, /^s\d+$/);
    assert.deepEqual({ ...frame, id: 'x' }, { type: 'subscribe', id: 'x', channel: 'chat:lobby', presence: true, info: { name: 'Alice' } });
    ws.receive({ type: 'subscribed', id: frame.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    assert.deepEqual(await p, { channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 }, presence: null });
  });

  test('subscribe twice while the first is pending sends one frame', async () => {
    const h = setup();
    const ws = await h.connect();
    h.client.subscribe('chat:lobby');
    h.client.subscribe('chat:lobby');
    assert.equal(ws.sentOfType('subscribe').filter((f) => f.channel === 'chat:lobby').length, 1);
  });

  test('resubscribes every channel after a reconnect with the position of the last event surfaced', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(42));
    ws.receive(event(43));
    const next = await reconnect(h);
    const frame = next.sentOfType('subscribe').find((f) => f.channel === 'chat:lobby');
    assert.deepEqual(frame.position, { epoch: 'E1', seq: 43 });
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E1', seq: 43 });
  });

  test('a subscription refused with forbidden rejects and is not retried later', async () => {
    const h = setup();
    const ws = await h.connect();
    const p = h.client.subscribe('secret:room');
    const f = ws.sentOfType('subscribe').find((x) => x.channel === 'secret:room');
    ws.receive({ type: 'error', id: f.id, code: 'forbidden', message: 'no', channel: 'secret:room' });
    await assert.rejects(p, { code: 'forbidden' });
    const next = await reconnect(h);
    assert.deepEqual(next.sentOfType('subscribe').map((x) => x.channel), ['user:alice']);
  });

  test('a resubscription refused after a reconnect is reported as an error event', async () => {
    const h = setup();
    await subscribedTo(h);
    const next = await reconnect(h);
    const f = next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby');
    next.receive({ type: 'error', id: f.id, code: 'forbidden', message: 'not any more', channel: 'chat:lobby' });
    assert.deepEqual(h.errors.map((e) => [e.code, e.channel]), [['forbidden', 'chat:lobby']]);
    assert.deepEqual(h.client.channels, ['user:alice']);
  });

  test('unsubscribe: frame sent, resolved by unsubscribed, events no longer surfaced, not resubscribed', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    const p = h.client.unsubscribe('chat:lobby');
    const [f] = ws.sentOfType('unsubscribe');
    assert.equal(f.channel, 'chat:lobby');
    ws.receive(event(42));
    assert.equal(h.events.length, 0);
    ws.receive({ type: 'unsubscribed', id: f.id, channel: 'chat:lobby' });
    assert.equal(await p, true);
    const next = await reconnect(h);
    assert.deepEqual(next.sentOfType('subscribe').map((x) => x.channel), ['user:alice']);
  });

  test('unsubscribed by the server (no id, reason server): dropped, reported once, not resubscribed', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    const ended = [];
    h.client.on('unsubscribed', (u) => ended.push(u));
    ws.receive({ type: 'unsubscribed', channel: 'chat:lobby', reason: UnsubscribeReasons.SERVER });
    assert.deepEqual(ended, [{ channel: 'chat:lobby', reason: 'server' }]);
    assert.deepEqual(h.client.channels, ['user:alice']);
    assert.equal(h.client.position('chat:lobby'), null);
    ws.receive(event(42));
    assert.equal(h.events.length, 0, 'events of the ended subscription are not surfaced');
    ws.receive({ type: 'unsubscribed', channel: 'chat:lobby', reason: 'server' });
    assert.equal(ended.length, 1, 'a repeated frame is not reported twice');
    assert.equal(ws.sentOfType('unsubscribe').length, 0, 'nothing to confirm to the server');
    const next = await reconnect(h);
    assert.deepEqual(next.sentOfType('subscribe').map((x) => x.channel), ['user:alice']);
    // The application may subscribe again (authorisation decides): a new subscription, from no position.
    const again = h.client.subscribe('chat:lobby');
    const [f] = next.sentOfType('subscribe').filter((x) => x.channel === 'chat:lobby');
    assert.equal(f.position, undefined);
    next.receive({ type: 'subscribed', id: f.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 44 } });
    assert.equal((await again).channel, 'chat:lobby');
  });

  test('unsubscribed by the server while a subscribe of the channel is unanswered: kept (the later request wins)', async () => {
    const h = setup();
    const ws = await h.connect();
    const ended = [];
    h.client.on('unsubscribed', (u) => ended.push(u));
    const p = h.client.subscribe('room:a');
    const [f] = ws.sentOfType('subscribe').filter((x) => x.channel === 'room:a');
    ws.receive({ type: 'unsubscribed', channel: 'room:a', reason: 'server' });
    assert.deepEqual(ended, []);
    ws.receive({ type: 'subscribed', id: f.id, channel: 'room:a', position: { epoch: 'E1', seq: 0 } });
    assert.equal((await p).channel, 'room:a');
    assert.ok(h.client.channels.includes('room:a'));
  });

  test('an unsubscribed frame without id and without reason "server", or for an unknown channel, changes nothing', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    const ended = [];
    h.client.on('unsubscribed', (u) => ended.push(u));
    ws.receive({ type: 'unsubscribed', channel: 'chat:lobby' });
    ws.receive({ type: 'unsubscribed', channel: 'chat:lobby', reason: 'weather' });
    ws.receive({ type: 'unsubscribed', channel: 'room:none', reason: 'server' });
    ws.receive({ type: 'unsubscribed', id: 'u999', channel: 'chat:lobby', reason: 'server' });
    assert.deepEqual(ended, []);
    assert.deepEqual(h.client.channels, ['user:alice', 'chat:lobby']);
  });

  test('the own user channel ended by the server is not resubscribed until the application subscribes it', async () => {
    const h = setup();
    const ws = await h.connect();
    const [own] = ws.sentOfType('subscribe');
    ws.receive({ type: 'subscribed', id: own.id, channel: 'user:alice', position: { epoch: 'U1', seq: 3 } });
    ws.receive({ type: 'unsubscribed', channel: 'user:alice', reason: 'server' });
    assert.deepEqual(h.client.channels, []);
    const next = await reconnect(h);
    assert.deepEqual(next.sentOfType('subscribe').map((x) => x.channel), []);
    h.client.subscribe('user:alice').catch(() => {});
    assert.deepEqual(next.sentOfType('subscribe').map((x) => x.channel), ['user:alice']);
  });
});

describe('dedupe', () => {
  test('an event at or below the position is dropped; each seq surfaces once', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    const dups = [];
    h.client.on('duplicate', (d) => dups.push(d.seq));
    ws.receive(event(42));
    ws.receive(event(42));
    ws.receive(event(41));
    ws.receive(event(43));
    assert.deepEqual(h.events.map((e) => e.seq), [42, 43]);
    assert.deepEqual(dups, [42, 41]);
    assert.deepEqual(h.events[0], { channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm42', ts: '2026-11-21T23:28:01.204Z', data: { n: 42 }, critical: false, userId: null, connectionId: null });
  });

  test('the publisher the server attests (userId, connectionId) is surfaced with the event', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(42, { userId: 'alice', connectionId: 'kP2vQ8xLr0T4mZ7aB1cD9e', data: { from: 'bob' } }));
    assert.equal(h.events[0].userId, 'alice');
    assert.equal(h.events[0].connectionId, 'kP2vQ8xLr0T4mZ7aB1cD9e');
  });

  test('subscribed at the unborn position (0, 0): the first epoch continues it, without a reset', async () => {
    const h = setup();
    const resets = [];
    h.client.on('reset', (r) => resets.push(r));
    const ws = await subscribedTo(h, 'chat:lobby', { epoch: '0', seq: 0 });
    ws.receive(event(1));
    ws.receive(event(2));
    assert.deepEqual(resets, []);
    assert.deepEqual(h.gaps, []);
    assert.deepEqual(h.events.map((e) => [e.epoch, e.seq]), [['E1', 1], ['E1', 2]]);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E1', seq: 2 });
  });

  test('events replayed after a reconnect overlap the ones already seen: surfaced once', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(42));
    const next = await reconnect(h);
    const f = next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby');
    next.receive({ type: 'subscribed', id: f.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 42 } });
    next.receive(event(42));
    next.receive(event(43));
    assert.deepEqual(h.events.map((e) => e.seq), [42, 43]);
  });

  test('a critical event below the position not seen before is surfaced (redelivery), then deduped', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(40, { critical: true }));
    ws.receive(event(40, { critical: true }));
    ws.receive(event(39));
    assert.deepEqual(h.events.map((e) => [e.seq, e.critical]), [[40, true]]);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E1', seq: 41 });
  });

  test('an unannounced jump in seq is reported as a detected gap', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(45));
    assert.deepEqual(h.gaps, [{ channel: 'chat:lobby', dropped: 3, detected: true }]);
    assert.deepEqual(h.events.map((e) => e.seq), [45]);
  });
});

describe('critical acks', () => {
  test('acked once the handler has returned', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    let acksDuringHandler = -1;
    h.client.on('event', () => { acksDuringHandler = ws.sentOfType('ack').length; });
    ws.receive(event(42, { critical: true }));
    assert.equal(acksDuringHandler, 0);
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 42 }]);
  });

  test('non-critical events are never acked', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(42));
    assert.deepEqual(ws.sentOfType('ack'), []);
  });

  test('an async handler delays the ack until its promise resolves', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    let finish;
    h.client.on('event', () => new Promise((resolve) => { finish = resolve; }));
    ws.receive(event(42, { critical: true }));
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), []);
    finish();
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 42 }]);
  });

  test('a handler that throws or rejects: no ack; the redelivery is surfaced again and acked then', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    let fail = true;
    h.client.on('event', () => { if (fail) throw new Error('db down'); });
    ws.receive(event(42, { critical: true }));
    assert.deepEqual(ws.sentOfType('ack'), []);
    assert.equal(h.errors[0].code, 'listener');
    fail = false;
    const next = await reconnect(h);
    const f = next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby');
    next.receive({ type: 'subscribed', id: f.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 42 } });
    next.receive(event(42, { critical: true }));
    assert.deepEqual(h.events.map((e) => e.seq), [42, 42]);
    assert.deepEqual(next.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 42 }]);
  });

  test('cumulative: a later critical finishing first waits for the earlier one', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    const finish = new Map();
    h.client.on('event', (e) => new Promise((resolve) => {
      finish.set(e.seq, resolve);
    }));
    ws.receive(event(42, { critical: true }));
    ws.receive(event(43, { critical: true }));
    finish.get(43)();
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), []);
    finish.get(42)();
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 43 }]);
  });

  test('a redelivered duplicate of an acked critical event is dropped and re-acked', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(40, { critical: true }));
    ws.receive(event(40, { critical: true }));
    assert.deepEqual(h.events.map((e) => e.seq), [40]);
    assert.deepEqual(ws.sentOfType('ack').map((a) => a.seq), [40, 40]);
  });

  test('an ack due while disconnected is sent after the channel is subscribed again', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    let finish;
    h.client.on('event', () => new Promise((resolve) => { finish = resolve; }));
    ws.receive(event(42, { critical: true }));
    ws.drop();
    finish();
    await h.clock.tick(1000);
    const next = await h.welcomeNext();
    assert.deepEqual(next.sentOfType('ack'), []);
    const f = next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby');
    next.receive({ type: 'subscribed', id: f.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 42 } });
    assert.deepEqual(next.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 42 }]);
  });
});

describe('reset and gap', () => {
  test('reset replaces the position and tells the application; the next resubscribe uses it', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(42));
    ws.receive({ type: 'reset', channel: 'chat:lobby', reason: 'epoch-changed', position: { epoch: 'E2', seq: 3 } });
    assert.deepEqual(h.resets, [{ channel: 'chat:lobby', reason: 'epoch-changed', position: { epoch: 'E2', seq: 3 }, previous: { epoch: 'E1', seq: 42 } }]);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E2', seq: 3 });
    ws.receive(event(3, { epoch: 'E2' }));
    ws.receive(event(4, { epoch: 'E2' }));
    assert.deepEqual(h.events.map((e) => `${e.epoch}:${e.seq}`), ['E1:42', 'E2:4']);
    const next = await reconnect(h);
    assert.deepEqual(next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby').position, { epoch: 'E2', seq: 4 });
  });

  test('reset position-too-old before subscribed on a resume', async () => {
    const h = setup();
    await subscribedTo(h);
    const next = await reconnect(h);
    const f = next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby');
    next.receive({ type: 'reset', channel: 'chat:lobby', reason: 'position-too-old', position: { epoch: 'E1', seq: 1187 } });
    next.receive({ type: 'subscribed', id: f.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 1187 } });
    next.receive(event(1188));
    assert.deepEqual(h.resets.map((r) => r.reason), ['position-too-old']);
    assert.deepEqual(h.events.map((e) => e.seq), [1188]);
    assert.deepEqual(h.gaps, []);
  });

  test('a critical seen in the old epoch does not hide the same seq in the new one', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(event(40, { critical: true }));
    ws.receive({ type: 'reset', channel: 'chat:lobby', reason: 'epoch-changed', position: { epoch: 'E2', seq: 45 } });
    ws.receive(event(40, { epoch: 'E2', critical: true }));
    assert.deepEqual(h.events.map((e) => `${e.epoch}:${e.seq}`), ['E1:40', 'E2:40']);
  });

  test('gap: reported, and the jump that follows is not a detected gap', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive({ type: 'gap', channel: 'chat:lobby', dropped: 317 });
    ws.receive(event(359));
    ws.receive(event(360));
    assert.deepEqual(h.gaps, [{ channel: 'chat:lobby', dropped: 317, detected: false }]);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E1', seq: 360 });
  });
});

describe('presence', () => {
  test('the subscribed snapshot fills the member list; presence frames update it', async () => {
    const h = setup();
    const snapshot = {
      joined: true, count: 2, truncated: false,
      members: [{ userId: 'alice', state: 'present', info: { name: 'Alice' } }, { userId: 'bob', state: 'reconnecting', info: { name: 'Bob' } }],
    };
    const ws = await subscribedTo(h, 'chat:lobby', { epoch: 'E1', seq: 41 }, { presence: true, snapshot });
    assert.deepEqual(h.client.members('chat:lobby'), [
      { userId: 'alice', state: 'present', info: { name: 'Alice' } }, { userId: 'bob', state: 'reconnecting', info: { name: 'Bob' } }]);
    assert.equal(h.presence[0].action, 'snapshot');
    assert.equal(h.presence[0].count, 2);
    ws.receive({ type: 'presence', channel: 'chat:lobby', action: 'join', member: { userId: 'bob', info: { name: 'Bob' } } });
    ws.receive({ type: 'presence', channel: 'chat:lobby', action: 'join', member: { userId: 'carol', info: { name: 'Carol' } } });
    ws.receive({ type: 'presence', channel: 'chat:lobby', action: 'reconnecting', member: { userId: 'alice' } });
    ws.receive({ type: 'presence', channel: 'chat:lobby', action: 'leave', member: { userId: 'carol' } });
    assert.deepEqual(h.client.members('chat:lobby'), [
      { userId: 'alice', state: 'reconnecting', info: { name: 'Alice' } }, { userId: 'bob', state: 'present', info: { name: 'Bob' } }]);
    assert.deepEqual(h.presence.slice(1).map((p) => `${p.action}:${p.member.userId}:${p.members.length}`),
      ['join:bob:2', 'join:carol:3', 'reconnecting:alice:3', 'leave:carol:2']);
  });

  test('after a reconnect the new snapshot replaces the member list', async () => {
    const h = setup();
    const snapshot = { joined: true, count: 1, truncated: false, members: [{ userId: 'bob', state: 'present' }] };
    await subscribedTo(h, 'chat:lobby', { epoch: 'E1', seq: 41 }, { presence: true, snapshot });
    const next = await reconnect(h);
    const f = next.sentOfType('subscribe').find((x) => x.channel === 'chat:lobby');
    assert.equal(f.presence, true);
    next.receive({ type: 'subscribed', id: f.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 }, presence: { joined: true, count: 1, truncated: false, members: [{ userId: 'carol', state: 'present' }] } });
    assert.deepEqual(h.client.members('chat:lobby').map((m) => m.userId), ['carol']);
  });
});

describe('token refresh', () => {
  test('token-expiring: getToken() then a refresh frame; refreshed is reported', async () => {
    const h = setup();
    const ws = await h.connect();
    const refreshed = [];
    h.client.on('token-refreshed', (e) => refreshed.push(e));
    h.token = 'jwt-2';
    ws.receive({ type: 'token-expiring', expiresAt: '2026-11-22T00:27:59Z', refreshBy: '2026-11-22T00:27:59Z' });
    await h.clock.tick(0);
    assert.deepEqual(h.tokenCalls, ['connect', 'token-expiring']);
    const [f] = ws.sentOfType('refresh');
    assert.deepEqual({ ...f, id: 'x' }, { type: 'refresh', id: 'x', token: 'jwt-2' });
    ws.receive({ type: 'refreshed', id: f.id, tokenExpiresAt: '2026-11-22T01:27:59Z' });
    assert.deepEqual(refreshed, [{ expiresAt: '2026-11-22T01:27:59Z' }]);
  });
});
