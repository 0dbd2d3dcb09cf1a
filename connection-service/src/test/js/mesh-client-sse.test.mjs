// Unit tests of mesh-client.js over Server-Sent Events: fallback, stream frames, POST sends, resume token, closing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { parseResumeToken } from './client.mjs';
import { setup } from './fakes.mjs';

/** Three WebSocket attempts that end before any welcome (a blocked upgrade), then the SSE attempt. */
async function fallBack(h) {
  h.client.connect();
  for (let i = 0; i < 3; i++) {
    await h.clock.tick(0);
    h.ws.drop();
    await h.clock.tick(h.reconnects.at(-1).delayMs);
  }
  await h.clock.tick(0);
  return h.es;
}

async function sseConnected(h, extra = {}) {
  h.client.connect();
  await h.clock.tick(0);
  const es = h.es;
  es.welcome(extra);
  await h.clock.tick(0);
  return es;
}

describe('SSE fallback', () => {
  test('after 3 WebSocket attempts that never got a welcome, the next attempt is SSE', async () => {
    const h = setup();
    const es = await fallBack(h);
    assert.equal(h.WebSocket.instances.length, 3);
    assert.equal(h.EventSource.instances.length, 1);
    assert.deepEqual(h.transports, [{ transport: 'sse', reason: 'websocket-failed', failures: 3 }]);
    const url = new URL(es.url);
    assert.equal(url.origin + url.pathname, 'http://mesh.test/sse');
    assert.equal(url.searchParams.get('session'), 'sess1');
    assert.equal(url.searchParams.get('tab'), h.client.tabId);
    assert.equal(url.searchParams.get('page'), h.client.pageId);
    assert.equal(url.searchParams.get('ticket'), 'tk4', 'a fresh ticket');
    assert.equal(url.searchParams.get('attempt'), '4', 'the page\'s fourth attempt, whatever its transport');
    assert.deepEqual(es.init, { withCredentials: true });
    es.welcome();
    assert.equal(h.client.state, 'connected');
    assert.equal(h.client.transport, 'sse');
    assert.equal(h.states.at(-1).transport, 'sse');
  });

  test('no fallback once a WebSocket has been welcomed (the server is down, not the upgrade blocked)', async () => {
    const h = setup({ maxAttempts: 20 });
    await h.connect();
    for (let i = 0; i < 6; i++) {
      h.ws.drop();
      await h.clock.tick(h.reconnects.at(-1).delayMs);
    }
    assert.equal(h.EventSource.instances.length, 0);
    assert.equal(h.WebSocket.instances.length, 7);
  });

  test('no fallback with transport: websocket', async () => {
    const h = setup({ transport: 'websocket', maxAttempts: 20 });
    h.client.connect();
    for (let i = 0; i < 6; i++) {
      await h.clock.tick(0);
      h.ws.drop();
      await h.clock.tick(h.reconnects.at(-1).delayMs);
    }
    assert.equal(h.EventSource.instances.length, 0);
  });

  test('transport: sse uses SSE from the start', async () => {
    const h = setup({ transport: 'sse' });
    await sseConnected(h);
    assert.equal(h.WebSocket.instances.length, 0);
    assert.equal(h.client.state, 'connected');
    assert.deepEqual(h.trail(), ['connecting:connect', 'connected:welcome']);
  });

  test('a fallback counter is per failure before welcome: sseFallbackAfter is an option', async () => {
    const h = setup({ sseFallbackAfter: 1 });
    h.client.connect();
    await h.clock.tick(0);
    h.ws.drop();
    await h.clock.tick(1000);
    assert.equal(h.EventSource.instances.length, 1);
  });
});

describe('SSE stream and sends', () => {
  test('stream frames drive the same API: subscribed, events, dedupe, reset, presence', async () => {
    const h = setup({ transport: 'sse' });
    h.fetch.sse = (frame) => (frame.type === 'subscribe'
      ? { status: 200, body: { type: 'subscribed', id: frame.id, channel: frame.channel, position: { epoch: 'E1', seq: 41 } } }
      : null);
    const es = await sseConnected(h);
    const p = h.client.subscribe('chat:lobby', { presence: true });
    await h.clock.tick(0);
    es.receive({ type: 'subscribed', channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 }, presence: { joined: true, count: 1, truncated: false, members: [{ userId: 'bob', state: 'present' }] } }, 'chat:lobby~E1:41');
    assert.deepEqual((await p).position, { epoch: 'E1', seq: 41 });
    es.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm', ts: 't', data: 'x' }, 'chat:lobby~E1:42');
    es.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm', ts: 't', data: 'x' }, 'chat:lobby~E1:42');
    es.receive({ type: 'presence', channel: 'chat:lobby', action: 'join', member: { userId: 'carol' } });
    es.receive({ type: 'reset', channel: 'chat:lobby', reason: 'epoch-changed', position: { epoch: 'E2', seq: 0 } });
    assert.deepEqual(h.events.map((e) => e.seq), [42]);
    assert.deepEqual(h.client.members('chat:lobby').map((m) => m.userId), ['bob', 'carol']);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E2', seq: 0 });
    assert.equal(h.resets.length, 1);
  });

  test('a POSTed subscribe answered in the reply and on the stream is one subscribed event', async () => {
    const h = setup({ transport: 'sse' });
    h.fetch.sse = (frame) => (frame.type === 'subscribe'
      ? { status: 200, body: { type: 'subscribed', id: frame.id, channel: frame.channel, position: { epoch: 'E1', seq: 41 } } }
      : null);
    const es = await sseConnected(h);
    const seen = [];
    h.client.on('subscribed', (s) => seen.push(s.channel));
    const p = h.client.subscribe('chat:lobby');
    await h.clock.tick(0);
    es.receive({ type: 'subscribed', channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    await p;
    assert.deepEqual(seen.filter((c) => c === 'chat:lobby'), ['chat:lobby']);
  });

  test('publish is a POST /sse/{connectionId} with the bearer token; the reply resolves it', async () => {
    const h = setup({ transport: 'sse' });
    h.fetch.sse = (frame) => (frame.type === 'publish'
      ? { status: 200, body: { type: 'published', id: frame.id, channel: frame.channel, epoch: 'E1', seq: 43 } }
      : null);
    const es = await sseConnected(h);
    const welcome = h.client.connectionId;
    const result = await h.client.publish('chat:lobby', { text: 'hi' });
    const [post] = h.fetch.ssePosts('publish');
    assert.equal(post.url, `http://mesh.test/sse/${welcome}`);
    assert.equal(post.init.method, 'POST');
    assert.equal(post.init.headers.Authorization, 'Bearer jwt-1');
    assert.equal(post.init.headers['Content-Type'], 'application/json');
    assert.deepEqual(post.body, { type: 'publish', id: result.id, channel: 'chat:lobby', data: { text: 'hi' } });
    assert.equal(result.seq, 43);
    assert.equal(es.closed, false);
  });

  test('an error reply of a POST rejects the publish', async () => {
    const h = setup({ transport: 'sse' });
    h.fetch.sse = (frame) => (frame.type === 'publish'
      ? { status: 403, body: { type: 'error', id: frame.id, code: 'forbidden', message: 'no' } }
      : null);
    await sseConnected(h);
    await assert.rejects(h.client.publish('chat:lobby', 1), { code: 'forbidden' });
  });

  test('a named error event on the stream is a frame, not a failure of the stream', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    es.receive({ type: 'error', code: 'forbidden', message: 'subscribe to chat:vip is not allowed', channel: 'chat:vip' });
    assert.equal(h.client.state, 'connected');
    assert.deepEqual(h.errors.map((e) => e.code), ['forbidden']);
  });

  test('the own user channel is subscribed by POST after the first welcome', async () => {
    const h = setup({ transport: 'sse' });
    await sseConnected(h);
    await h.clock.tick(0);
    assert.deepEqual(h.fetch.ssePosts('subscribe').map((c) => c.body.channel), ['user:alice']);
  });

  test('ack of a critical event is POSTed', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    h.client.subscribe('chat:lobby');
    es.receive({ type: 'subscribed', channel: 'chat:lobby', position: { epoch: 'E1', seq: 1 } });
    es.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 2, id: 'm', ts: 't', data: 'x', critical: true });
    await h.clock.tick(0);
    assert.deepEqual(h.fetch.ssePosts('ack').map((c) => c.body), [{ type: 'ack', channel: 'chat:lobby', seq: 2 }]);
  });

  test('heartbeat: a ping POST at the server\'s interval if shorter; a failed POST reconnects', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h, { heartbeat: { intervalMs: 5000, timeoutMs: 10000 } });
    await h.clock.tick(5000);
    assert.equal(h.fetch.ssePosts('ping').length, 1);
    assert.equal(h.client.state, 'connected', 'the pong came back as the POST reply');
    h.fetch.sse = (frame) => { if (frame.type === 'ping') throw new TypeError('Failed to fetch'); };
    await h.clock.tick(5000);
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(es.closed, true);
  });

  test('a POST answered 404 (the connection is gone) reconnects', async () => {
    const h = setup({ transport: 'sse' });
    h.fetch.sse = (frame) => (frame.type === 'publish'
      ? { status: 404, body: { type: 'error', id: frame.id, code: 'unknown-connection', message: 'gone' } }
      : null);
    const es = await sseConnected(h);
    h.client.publish('chat:lobby', 1).catch(() => {});
    await h.clock.tick(0);
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(es.closed, true);
  });

  test('a hung ping POST: no pong within 10 s, the stream is dropped', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    h.fetch.sse = (frame) => (frame.type === 'ping' ? new Promise(() => {}) : null);
    await h.clock.tick(25000);
    await h.clock.tick(10000);
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(h.states.at(-1).reason, 'heartbeat-timeout');
    assert.equal(es.closed, true);
  });
});

describe('SSE reconnect and close', () => {
  test('a stream error: EventSource closed by the client, a new one with a fresh ticket and the resume token', async () => {
    const h = setup({ transport: 'sse' });
    const first = await sseConnected(h);
    h.client.subscribe('chat:lobby', { presence: true });
    first.receive({ type: 'subscribed', channel: 'user:alice', position: { epoch: 'U1', seq: 7 } });
    first.receive({ type: 'subscribed', channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    first.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm', ts: 't', data: 'x' });
    first.fail();
    assert.equal(first.closed, true, 'the client closes it: a native reconnect would reuse a spent ticket');
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 1, delayMs: 1000 });
    await h.clock.tick(1000);
    const second = h.es;
    assert.notEqual(second, first);
    const q = second.query;
    assert.equal(q.get('ticket'), 'tk2');
    assert.deepEqual(q.get('channels').split(','), ['user:alice', 'chat:lobby']);
    assert.equal(q.get('presence'), 'chat:lobby');
    assert.equal(q.get('resume'), 'user:alice~U1:7|chat:lobby~E1:42');
    assert.match(second.url, /resume=user%3Aalice%7EU1%3A7%7Cchat%3Alobby%7EE1%3A42/);
    assert.deepEqual([...parseResumeToken(q.get('resume'))], [['user:alice', { epoch: 'U1', seq: 7 }], ['chat:lobby', { epoch: 'E1', seq: 42 }]]);
    second.welcome();
    await h.clock.tick(0);
    assert.deepEqual(h.fetch.ssePosts('subscribe').filter((c) => c.url.endsWith(h.client.connectionId)), [],
      'channels restored from the URL are not subscribed again by POST');
    second.receive({ type: 'subscribed', channel: 'chat:lobby', position: { epoch: 'E1', seq: 42 } });
    second.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 43, id: 'm', ts: 't', data: 'y' });
    assert.deepEqual(h.events.map((e) => e.seq), [42, 43]);
  });

  test('a subscription the server ended on the stream is left out of the next URL: channels, presence, resume', async () => {
    const h = setup({ transport: 'sse' });
    const first = await sseConnected(h);
    const ended = [];
    h.client.on('unsubscribed', (u) => ended.push(u));
    h.client.subscribe('room:a', { presence: true });
    h.client.subscribe('chat:lobby');
    await h.clock.tick(0);
    for (const post of h.fetch.ssePosts('subscribe')) {
      const { id, channel } = post.body;
      first.receive({ type: 'subscribed', id, channel, position: { epoch: 'E1', seq: 41 } });
    }
    first.receive({ type: 'unsubscribed', channel: 'room:a', reason: 'server' }, 'chat:lobby~E1:41|user:alice~E1:41');
    assert.deepEqual(ended, [{ channel: 'room:a', reason: 'server' }]);
    first.fail();
    await h.clock.tick(h.reconnects.at(-1).delayMs);
    const q = h.es.query;
    assert.ok(!q.get('channels').split(',').includes('room:a'), q.get('channels'));
    assert.ok(!(q.get('presence') ?? '').split(',').includes('room:a'));
    assert.ok(![...parseResumeToken(q.get('resume')).keys()].includes('room:a'));
    h.es.welcome();
    await h.clock.tick(0);
    assert.deepEqual(h.fetch.ssePosts('subscribe').filter((c) => c.body.channel === 'room:a').length, 1,
      'subscribed once, never again');
  });

  test('a presence channel with info is subscribed by POST after welcome (info cannot travel in the URL)', async () => {
    const h = setup({ transport: 'sse' });
    const first = await sseConnected(h);
    h.client.subscribe('chat:lobby', { presence: true, info: { name: 'Alice' } });
    first.receive({ type: 'subscribed', channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    first.fail();
    await h.clock.tick(1000);
    assert.equal(h.es.query.get('channels'), 'user:alice');
    h.es.welcome();
    await h.clock.tick(0);
    const post = h.fetch.ssePosts('subscribe').at(-1).body;
    assert.deepEqual({ ...post, id: 'x' }, { type: 'subscribe', id: 'x', channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 }, presence: true, info: { name: 'Alice' } });
  });

  test('pagehide: POST close with keepalive, EventSource closed, closing -> closed', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    const id = h.client.connectionId;
    h.page.pagehide(true);
    assert.equal(es.closed, true);
    const [post] = h.fetch.ssePosts('close');
    assert.equal(post.url, `http://mesh.test/sse/${id}`);
    assert.equal(post.init.keepalive, true);
    assert.deepEqual(post.body, { type: 'close' });
    await h.clock.tick(0);
    assert.deepEqual(h.trail().slice(-2), ['closing:pagehide', 'closed:pagehide']);
    h.page.pageshow(true);
    await h.clock.tick(0);
    assert.equal(h.EventSource.instances.length, 2);
    assert.equal(h.es.query.get('page'), h.client.pageId);
  });

  test('a terminal goodbye closes the EventSource and fails', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    es.receive({ type: 'goodbye', code: 4503, reason: 'policy' });
    assert.equal(es.closed, true);
    assert.equal(h.client.state, 'failed');
    assert.equal(h.client.lastError.closeCode, 4503);
    await h.clock.tick(600000);
    assert.equal(h.EventSource.instances.length, 1);
  });

  test('goodbye 4504 on the stream: closed silently, EventSource closed (no native reconnect to steal the page)', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    es.receive({ type: 'goodbye', code: 4504, reason: 'replaced' });
    assert.equal(es.closed, true);
    assert.equal(h.client.state, 'closed');
  });

  test('a goodbye with retryAfterMs: reconnect after the hint', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    es.receive({ type: 'goodbye', code: 1001, reason: 'server-shutdown', retryAfterMs: 2222 });
    assert.equal(es.closed, true);
    assert.deepEqual(h.reconnects.at(-1), { reason: 'server-shutdown', code: 1001, attempt: 1, delayMs: 2222 });
    await h.clock.tick(2222);
    assert.equal(h.EventSource.instances.length, 2);
  });

  test('close(): the close frame is POSTed and the state ends closed', async () => {
    const h = setup({ transport: 'sse' });
    const es = await sseConnected(h);
    h.client.close();
    await h.clock.tick(0);
    assert.equal(es.closed, true);
    assert.equal(h.fetch.ssePosts('close').length, 1);
    assert.equal(h.client.state, 'closed');
  });
});
