// The server API as an outside backend sees it (issue 15): a plain Node 20 program that speaks only HTTP (fetch) to a
// mesh of separate JVMs started from the fat jars. It uses no Mesh code: the mesh is started by the browser tests'
// process harness, users connect over SSE (fetch streaming), and every documented server-API operation of
// docs/api/openapi.yaml is called and its effect asserted where it lands.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { Mesh, requireJars } from '../browser/harness.mjs';

const TOKEN = `server-api-node-${randomUUID()}`;
let mesh;
let api;
let edge;

before(async () => {
  requireJars(['connection-service', 'replay-service', 'presence-service']);
  mesh = await new Mesh({ connections: 2, presence: true, serverApiToken: TOKEN }).start();
  api = `http://127.0.0.1:${mesh.serverApiPort}`;
  edge = `http://127.0.0.1:${mesh.connections[1].httpPort}`;
}, { timeout: 180_000 });

after(async () => {
  await mesh?.stop?.();
});

/** POST /api/<method>; returns {status, headers, body}. */
async function call(method, body, { token = TOKEN, headers = {}, raw } = {}) {
  const res = await fetch(`${api}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: raw ?? JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: json };
}

async function ok(method, body, options) {
  const answer = await call(method, body, options);
  assert.equal(answer.status, 200, `${method}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function userToken(user) {
  const res = await fetch(`${edge}/demo/token?user=${user}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()).token;
}

/** A user's SSE connection, read with fetch: every frame (the JSON of each `data:` line) in order. */
async function connect(user, query) {
  const token = await userToken(user);
  const controller = new AbortController();
  const page = `p-${user}-${randomUUID().slice(0, 8)}`;
  const res = await fetch(`${edge}/sse?session=s-${user}&tab=t-${user}&page=${page}&${query}`, {
    headers: { Authorization: `Bearer ${token}` }, signal: controller.signal,
  });
  assert.equal(res.status, 200);
  const frames = [];
  const waiters = new Set();
  let ended = false;
  const notify = () => waiters.forEach((check) => check());
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) {
            frames.push(JSON.parse(data));
            notify();
          }
        }
      }
    } catch {
      // aborted by close()
    }
    ended = true;
    notify();
  })();
  const connection = {
    frames,
    get ended() {
      return ended;
    },
    /** The first frame matching `predicate`, waiting up to `timeoutMs`. */
    next(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const wait = {};
        const check = () => {
          const found = frames.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(wait.timer);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            clearTimeout(wait.timer);
            reject(new Error(`stream of ${user} ended; frames: ${JSON.stringify(frames)}`));
          }
        };
        wait.timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such frame for ${user} in ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    untilEnded(timeoutMs = 15_000) {
      return connection.next(() => false, timeoutMs).catch((e) => {
        if (!ended) throw e;
      });
    },
    close: () => controller.abort(),
  };
  const welcome = await connection.next((f) => f.type === 'welcome');
  connection.connectionId = welcome.connectionId;
  connection.nodeId = welcome.nodeId;
  return connection;
}

const subscribedTo = (channel) => (f) => f.type === 'subscribed' && f.channel === channel;

describe('server API from an outside Node program', () => {
  it('publish: delivered once; the same Idempotency-Key makes no second event', async () => {
    const reader = await connect('nia', 'channels=news:node');
    await reader.next(subscribedTo('news:node'));
    const body = { channel: 'news:node', data: { n: 1 } };
    const first = await ok('publish', body, { headers: { 'Idempotency-Key': 'node-key-1' } });
    const retry = await ok('publish', body, { headers: { 'Idempotency-Key': 'node-key-1' } });
    await ok('publish', { channel: 'news:node', data: 'marker', id: 'marker-1' });
    await reader.next((f) => f.type === 'event' && f.id === 'marker-1');
    reader.close();

    assert.equal(first.duplicate, false);
    assert.equal(first.id, 'node-key-1');
    assert.equal(first.seq, 1);
    assert.equal(retry.duplicate, true);
    assert.equal(retry.seq, 1);
    const delivered = reader.frames.filter((f) => f.type === 'event' && f.id === 'node-key-1');
    assert.equal(delivered.length, 1);
    assert.deepEqual(delivered[0].data, { n: 1 });
  });

  it('broadcast: one event per channel with its own position', async () => {
    const reader = await connect('bea', 'channels=room:nb1,room:nb2');
    await reader.next(subscribedTo('room:nb1'));
    await reader.next(subscribedTo('room:nb2'));
    const answer = await ok('broadcast', { channels: ['room:nb1', 'room:nb2'], data: 'all', id: 'nb-1' });
    await reader.next((f) => f.type === 'event' && f.channel === 'room:nb1' && f.id === 'nb-1');
    await reader.next((f) => f.type === 'event' && f.channel === 'room:nb2' && f.id === 'nb-1');
    reader.close();

    assert.deepEqual(answer.responses.map((r) => [r.channel, r.result.seq]), [['room:nb1', 1], ['room:nb2', 1]]);
  });

  it('send_user, connections, presence, history, channels, info, unsubscribe and disconnect', async () => {
    const ann = await connect('ann', 'channels=user:ann,room:nodep&presence=room:nodep');
    await ann.next(subscribedTo('user:ann'));
    await ann.next(subscribedTo('room:nodep'));

    const sent = await ok('send_user', { userId: 'ann', data: { text: 'hi ann' }, id: 'dm-node-1' });
    const direct = await ann.next((f) => f.type === 'event' && f.channel === 'user:ann');
    assert.equal(sent.channel, 'user:ann');
    assert.equal(sent.connections, 1);
    assert.deepEqual(direct.data, { text: 'hi ann' });

    const listed = await ok('connections', { userId: 'ann' });
    assert.equal(listed.connections.length, 1);
    assert.equal(listed.connections[0].identity.connectionId, ann.connectionId);
    assert.equal(listed.connections[0].transport, 'sse');

    const members = await ok('presence', { channel: 'room:nodep' });
    assert.deepEqual(members.members.map((m) => m.userId), ['ann']);
    const stats = await ok('presence_stats', { channel: 'room:nodep' });
    assert.equal(stats.members, 1);
    const users = await ok('user_presence', { userIds: ['ann', 'nobody'] });
    assert.deepEqual(users.users.map((u) => u.status), ['online', 'offline']);
    const counts = await ok('presence_counts', {});
    assert.ok(counts.online >= 1, JSON.stringify(counts));

    await ok('publish', { channel: 'room:nodep', data: 1, id: 'h1' });
    await ok('publish', { channel: 'room:nodep', data: 2, id: 'h2' });
    const history = await ok('history', { channel: 'room:nodep', limit: 1 });
    assert.equal(history.events.length, 1);
    assert.equal(history.more, true);
    const rest = await ok('history', { channel: 'room:nodep', after: `${history.next.epoch}:${history.next.seq}` });
    assert.deepEqual(rest.events.map((e) => e.data), [2]);

    const channels = await ok('channels', { prefix: 'room:nodep' });
    assert.deepEqual(channels.channels, [{ channel: 'room:nodep', subscribers: 1 }]);

    const info = await ok('info', {});
    assert.equal(info.nodes.length, 2);
    assert.equal(info.nodes.reduce((sum, n) => sum + n.sse, 0), 1);

    const unsubscribed = await ok('unsubscribe', { userId: 'ann', channel: 'room:nodep' });
    const told = await ann.next((f) => f.type === 'unsubscribed' && f.channel === 'room:nodep');
    assert.equal(unsubscribed.unsubscribed, 1);
    assert.equal(told.reason, 'server');
    assert.deepEqual((await ok('channels', { prefix: 'room:nodep' })).channels, []);

    const kicked = await ok('disconnect', { connectionId: ann.connectionId, message: 'bye from node' });
    const goodbye = await ann.next((f) => f.type === 'goodbye');
    await ann.untilEnded();
    assert.equal(kicked.closed, 1);
    assert.equal(goodbye.code, 4505);
    assert.equal(goodbye.reason, 'kicked');
    assert.equal(goodbye.message, 'bye from node');
    assert.equal((await ok('connections', { userId: 'ann' })).connections.length, 0);
  });

  it('documented errors: 401, 400 naming the field, 404, 413', async () => {
    const noToken = await call('info', {}, { token: null });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.code, 401);
    const missing = await call('publish', { data: 1 });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.field, 'channel');
    const badKey = await call('publish', { channel: 'a', data: 1 }, { headers: { 'Idempotency-Key': 'no spaces' } });
    assert.equal(badKey.status, 400);
    assert.equal(badKey.body.field, 'Idempotency-Key');
    const notObject = await call('info', undefined, { raw: '[1]' });
    assert.equal(notObject.status, 400);
    const unknown = await call('teleport', {});
    assert.equal(unknown.status, 404);
    const tooLarge = await call('publish', { channel: 'a', data: 'x'.repeat(100_000) });
    assert.equal(tooLarge.status, 413);
  });
});
