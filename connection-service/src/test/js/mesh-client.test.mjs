// Unit tests of mesh-client.js: state machine, reconnect policy, heartbeat and page lifecycle, with fake time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  MeshClient, VERSION, PROTOCOL_VERSION, STATES, CloseCodes, backoffDelay, randomId, formatResumeToken,
  parseResumeToken, shouldReconnect,
} from './client.mjs';
import { setup, fakeStorage, fakeWebSocketClass, FakeClock } from './fakes.mjs';

const B64URL_22 = /^[A-Za-z0-9_-]{22}$/;

describe('module', () => {
  test('VERSION is the Maven project version', () => {
    const pom = readFileSync(new URL('../../../../pom.xml', import.meta.url), 'utf8');
    const version = /<artifactId>mesh[^<]*<\/artifactId>\s*<version>([^<]+)<\/version>/.exec(pom)?.[1];
    assert.equal(VERSION, version);
    assert.equal(PROTOCOL_VERSION, 1);
  });

  test('mesh-client.d.ts declares every export and every public member of MeshClient', async () => {
    const dts = readFileSync(new URL('../../main/resources/webroot/mesh-client.d.ts', import.meta.url), 'utf8');
    const declared = [...dts.matchAll(/^export (?:const|class|function) (\w+)/gm)].map((m) => m[1]);
    const module = await import('../../main/resources/webroot/mesh-client.js');
    assert.deepEqual([...new Set(declared)].sort(), Object.keys(module).sort());
    const body = dts.slice(dts.indexOf('export class MeshClient'));
    const members = [...body.matchAll(/^ {2}(?:readonly )?(\w+)[<(:]/gm)].map((m) => m[1]).filter((n) => n !== 'constructor');
    const actual = Object.getOwnPropertyNames(MeshClient.prototype).filter((n) => n !== 'constructor');
    assert.deepEqual([...new Set(members)].sort(), actual.sort());
    assert.deepEqual([...dts.matchAll(/^export type MeshState = (.*);$/gm)][0][1].match(/'(\w+)'/g).map((x) => x.slice(1, -1)), [...STATES]);
  });

  test('exactly the seven states', () => {
    assert.deepEqual([...STATES].sort(),
      ['closed', 'closing', 'connected', 'connecting', 'failed', 'idle', 'reconnecting']);
  });

  test('randomId is 128 random bits as 22 characters of base64url', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 255);
    const id = randomId((b) => b.set(bytes));
    assert.equal(id, Buffer.from(bytes).toString('base64url'));
    assert.match(id, B64URL_22);
    assert.equal(randomId((b) => b.fill(255)), '_'.repeat(21) + 'w');
    assert.notEqual(randomId(), randomId());
  });

  test('resume token: <channel>~<epoch>:<seq> joined by |, round trip', () => {
    const token = formatResumeToken([['chat:lobby', { epoch: 'Zk3x', seq: 41 }], ['user:alice', { epoch: 'pQ8', seq: 7 }]]);
    assert.equal(token, 'chat:lobby~Zk3x:41|user:alice~pQ8:7');
    assert.deepEqual([...parseResumeToken(token)], [['chat:lobby', { epoch: 'Zk3x', seq: 41 }], ['user:alice', { epoch: 'pQ8', seq: 7 }]]);
    assert.equal(parseResumeToken('').size, 0);
  });

  test('close code ranges: 4500-4999 terminal, everything else reconnects', () => {
    assert.equal(shouldReconnect(CloseCodes.NORMAL), true);
    assert.equal(shouldReconnect(4499), true);
    assert.equal(shouldReconnect(4500), false);
    assert.equal(shouldReconnect(4999), false);
    assert.equal(shouldReconnect(5000), true);
  });

  test('an option given as undefined keeps its default', async () => {
    const h = setup({ maxAttempts: undefined, transport: 'websocket' });
    h.client.connect();
    for (let i = 0; i <= 10; i++) {
      await h.clock.tick(0);
      h.ws.drop();
      if (h.client.state === 'failed') break;
      await h.clock.tick(h.reconnects.at(-1).delayMs);
    }
    assert.equal(h.client.state, 'failed');
    assert.equal(h.reconnects.length, 10);
  });

  test('rejects an invalid sessionId or transport at construction', () => {
    assert.throws(() => new MeshClient({ sessionId: 'has space', window: null, document: null }), TypeError);
    assert.throws(() => new MeshClient({ transport: 'carrier-pigeon', window: null, document: null }), TypeError);
  });
});

describe('backoff', () => {
  test('attempt n waits min(1000 * 2^(n-1), 30000) without jitter (random 0.5)', () => {
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelay(i + 1, () => 0.5));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  test('jitter is x U(0.8, 1.2), applied after the cap', () => {
    assert.equal(backoffDelay(1, () => 0), 800);
    assert.equal(backoffDelay(1, () => 1), 1200);
    assert.equal(backoffDelay(6, () => 0), 24000);
    assert.equal(backoffDelay(6, () => 1), 36000); // above the cap: jitter after it
    assert.equal(backoffDelay(40, () => 1), 36000);
    for (let n = 1; n <= 12; n++) {
      const d = Math.min(1000 * 2 ** (n - 1), 30000);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(n);
        assert.ok(delay >= 0.8 * d && delay <= 1.2 * d, `attempt ${n}: ${delay} outside [${0.8 * d}, ${1.2 * d}]`);
      }
    }
  });

  test('the client uses that sequence while attempts keep failing', async () => {
    const h = setup({ maxAttempts: 20, transport: 'websocket' });
    h.client.connect();
    for (let i = 0; i < 8; i++) {
      await h.clock.tick(0);
      h.ws.drop();
      await h.clock.tick(h.reconnects.at(-1).delayMs);
    }
    assert.deepEqual(h.reconnects.map((r) => r.delayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.deepEqual(h.reconnects.map((r) => r.attempt), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(h.WebSocket.instances.length, 9);
  });

  test('the client applies the jitter after the cap', async () => {
    const h = setup({ maxAttempts: 20, transport: 'websocket' });
    h.random = 0.999999;
    h.client.connect();
    for (let i = 0; i < 7; i++) {
      await h.clock.tick(0);
      h.ws.drop();
      await h.clock.tick(h.reconnects.at(-1).delayMs);
    }
    assert.deepEqual(h.reconnects.map((r) => r.delayMs), [1200, 2400, 4800, 9600, 19200, 36000, 36000]);
  });

  test('the reconnect timer really waits the delay', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    await h.clock.tick(999);
    assert.equal(h.WebSocket.instances.length, 1);
    await h.clock.tick(1);
    assert.equal(h.WebSocket.instances.length, 2);
  });
});

describe('state machine', () => {
  test('idle -> connecting -> connected, each with its reason; canSend only when connected', async () => {
    const h = setup();
    assert.equal(h.client.state, 'idle');
    assert.equal(h.client.canSend, false);
    h.client.connect();
    assert.equal(h.client.state, 'connecting');
    assert.equal(h.client.canSend, false);
    await h.clock.tick(0);
    const welcome = h.ws.welcome();
    assert.equal(h.client.state, 'connected');
    assert.equal(h.client.canSend, true);
    assert.deepEqual(h.trail(), ['connecting:connect', 'connected:welcome']);
    assert.equal(h.states[0].previous, 'idle');
    assert.equal(h.states[1].previous, 'connecting');
    assert.equal(h.states[1].connectionId, welcome.connectionId);
    assert.equal(h.states[1].transport, 'websocket');
    assert.equal(h.client.connectionId, welcome.connectionId);
    assert.equal(h.client.userId, 'alice');
  });

  test('connected -> reconnecting -> connected after a drop', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(h.client.canSend, false);
    assert.deepEqual(h.states.at(-1), {
      state: 'reconnecting', previous: 'connected', reason: 'network-error', code: 1006, attempt: 1, delayMs: 1000,
    });
    assert.equal(h.client.nextRetryAt, h.clock.now() + 1000);
    await h.clock.tick(1000);
    await h.welcomeNext();
    assert.deepEqual(h.trail(), ['connecting:connect', 'connected:welcome', 'reconnecting:network-error', 'connected:reconnected']);
  });

  test('a failed first attempt goes connecting -> reconnecting', async () => {
    const h = setup();
    h.client.connect();
    await h.clock.tick(0);
    h.ws.drop();
    assert.deepEqual(h.trail(), ['connecting:connect', 'reconnecting:network-error']);
  });

  test('close(): connecting/connected -> closing -> closed, socket closed with 1000', async () => {
    const h = setup();
    await h.connect();
    const ws = h.ws;
    h.client.close();
    assert.equal(h.client.state, 'closing');
    await h.clock.tick(0);
    assert.equal(h.client.state, 'closed');
    assert.deepEqual(ws.closeCalls, [{ code: 1000, reason: 'client-normal' }]);
    assert.deepEqual(h.trail().slice(-2), ['closing:close', 'closed:close']);
    await h.clock.tick(120000);
    assert.equal(h.WebSocket.instances.length, 1, 'no reconnect after an intentional close');
  });

  test('close() goes to closed after closeTimeoutMs when the socket never reports its end', async () => {
    const h = setup();
    await h.connect();
    h.ws.autoCloseEvent = false;
    h.client.close();
    await h.clock.tick(999);
    assert.equal(h.client.state, 'closing');
    await h.clock.tick(1);
    assert.equal(h.client.state, 'closed');
  });

  test('close() while waiting to reconnect: closing -> closed at once, no more attempts', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    h.client.close();
    assert.deepEqual(h.trail().slice(-2), ['closing:close', 'closed:close']);
    await h.clock.tick(60000);
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('connect() after close() connects again, resubscribing', async () => {
    const h = setup();
    await h.connect();
    const subscribed = h.client.subscribe('chat:lobby');
    h.client.close();
    await assert.rejects(subscribed, { code: 'closed' });
    await h.clock.tick(0);
    h.client.connect();
    assert.equal(h.client.state, 'connecting');
    await h.welcomeNext();
    assert.equal(h.client.state, 'connected');
    assert.deepEqual(h.ws.sentOfType('subscribe').map((f) => f.channel), ['user:alice', 'chat:lobby']);
  });

  test('no welcome within connectTimeoutMs: the attempt is closed with 4000 and retried', async () => {
    const h = setup({ connectTimeoutMs: 5000 });
    h.client.connect();
    await h.clock.tick(0);
    h.ws.open();
    await h.clock.tick(4999);
    assert.equal(h.client.state, 'connecting');
    await h.clock.tick(1);
    assert.deepEqual(h.WebSocket.instances[0].closeCalls.map((c) => c.code), [4000]);
    assert.deepEqual(h.trail().at(-1), 'reconnecting:connect-timeout');
  });

  test('a server speaking another protocol version: failed', async () => {
    const h = setup();
    h.client.connect();
    await h.clock.tick(0);
    h.ws.welcome({ protocol: 2 });
    assert.equal(h.client.state, 'failed');
    assert.equal(h.client.lastError.code, 'unsupported-protocol');
  });
});

describe('identity and credentials', () => {
  test('the URL carries session, tab, page and a ticket fetched with the bearer token', async () => {
    const h = setup();
    await h.connect();
    const url = new URL(h.ws.url);
    assert.equal(url.origin + url.pathname, 'ws://mesh.test/ws');
    assert.deepEqual([...url.searchParams.keys()], ['session', 'tab', 'page', 'attempt', 'ticket']);
    assert.equal(url.searchParams.get('attempt'), '1');
    assert.equal(url.searchParams.get('session'), 'sess1');
    assert.equal(url.searchParams.get('tab'), h.client.tabId);
    assert.equal(url.searchParams.get('page'), h.client.pageId);
    assert.equal(url.searchParams.get('ticket'), 'tk1');
    assert.equal(h.fetch.calls.length, 1);
    assert.equal(h.fetch.calls[0].url, 'http://mesh.test/auth/ticket');
    assert.equal(h.fetch.calls[0].init.method, 'POST');
    assert.equal(h.fetch.calls[0].init.headers.Authorization, 'Bearer jwt-1');
  });

  test('every attempt of a page gets the next number; a new page id starts again at 1 (PROTOCOL 1.3)', async () => {
    const h = setup();
    const first = await h.connect();
    first.drop();
    // Past the retry delay, short of the 10 s connect timeout: exactly one new attempt each time.
    await h.clock.tick(5000);
    assert.equal(h.ws.query.get('attempt'), '2');
    assert.equal(h.ws.query.get('page'), first.query.get('page'));
    h.ws.drop(); // given up before its welcome: the next one is still a newer attempt
    await h.clock.tick(5000);
    const third = await h.welcomeNext();
    assert.equal(third.query.get('attempt'), '3');
    h.page.pagehide(true);
    await h.clock.tick(0);
    h.page.pageshow(true);
    const restored = await h.welcomeNext();
    assert.notEqual(restored.query.get('page'), first.query.get('page'));
    assert.equal(restored.query.get('attempt'), '1');
  });

  test('https base URLs become wss', async () => {
    const h = setup({ url: 'https://mesh.example/' });
    await h.connect();
    assert.match(h.ws.url, /^wss:\/\/mesh\.example\/ws\?/);
  });

  test('every reconnect asks getToken() and uses a fresh ticket', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    await h.clock.tick(1000);
    await h.welcomeNext();
    assert.deepEqual(h.WebSocket.instances.map((ws) => ws.query.get('ticket')), ['tk1', 'tk2']);
    assert.deepEqual(h.tokenCalls, ['connect', 'connect']);
  });

  test('getTicket() replaces the ticket request', async () => {
    let n = 0;
    const h = setup({ getTicket: async () => `own${++n}` });
    await h.connect();
    assert.equal(h.ws.query.get('ticket'), 'own1');
    assert.equal(h.fetch.calls.length, 0);
  });

  test('without getToken or getTicket there is no ticket (cookie authentication)', async () => {
    const h = setup({ getToken: undefined });
    await h.connect();
    assert.equal(h.ws.query.has('ticket'), false);
    assert.equal(h.fetch.calls.length, 0);
  });

  test('a refused ticket request is a failed attempt with a clear error, then backoff', async () => {
    const h = setup();
    h.fetch.ticket = () => ({ status: 401, body: { error: 'unauthorized', cause: 'expired' } });
    h.client.connect();
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 0);
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(h.errors[0].code, 'unauthorized');
    assert.match(h.errors[0].message, /401 \(expired\)/);
    h.fetch.ticket = null;
    await h.clock.tick(1000);
    assert.deepEqual(h.tokenCalls, ['connect', 'unauthorized']);
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('a draining node\'s retryAfterMs on the ticket request is honoured', async () => {
    const h = setup();
    h.fetch.ticket = () => ({ status: 503, body: { error: 'unavailable', cause: 'draining', retryAfterMs: 4321 } });
    h.client.connect();
    await h.clock.tick(0);
    assert.equal(h.reconnects[0].delayMs, 4321);
  });

  test('tab id lives in sessionStorage and survives a reload; page id is new per load', async () => {
    const storage = fakeStorage();
    const a = setup({ sessionStorage: storage });
    const b = setup({ sessionStorage: storage });
    assert.match(a.client.tabId, B64URL_22);
    assert.equal(storage.getItem('mesh.tabId'), a.client.tabId);
    assert.equal(b.client.tabId, a.client.tabId);
    assert.match(a.client.pageId, B64URL_22);
    assert.notEqual(b.client.pageId, a.client.pageId);
    assert.equal(a.client.sessionId, 'sess1');
  });

  test('without a sessionId option, one is kept in sessionStorage', () => {
    const storage = fakeStorage();
    const a = setup({ sessionStorage: storage, sessionId: undefined });
    assert.match(a.client.sessionId, B64URL_22);
    assert.equal(setup({ sessionStorage: storage, sessionId: undefined }).client.sessionId, a.client.sessionId);
  });
});

describe('reconnect policy', () => {
  test('the attempt counter resets after 10 s connected, not before', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    await h.clock.tick(1000);
    await h.welcomeNext();
    await h.clock.tick(9999);
    h.ws.drop();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 2, delayMs: 2000 });
    await h.clock.tick(2000);
    await h.welcomeNext();
    await h.clock.tick(10000);
    assert.equal(h.client.attempt, 0);
    h.ws.drop();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 1, delayMs: 1000 });
  });

  test('goodbye.retryAfterMs replaces the backoff delay; the counter still advances', async () => {
    const h = setup();
    await h.connect();
    h.ws.receive({ type: 'goodbye', code: 1001, reason: 'server-shutdown', retryAfterMs: 3412 });
    h.ws.serverClose(1001, 'retry-after=3412');
    assert.deepEqual(h.reconnects.at(-1), { reason: 'server-shutdown', code: 1001, attempt: 1, delayMs: 3412 });
    await h.clock.tick(3411);
    assert.equal(h.WebSocket.instances.length, 1);
    await h.clock.tick(1);
    assert.equal(h.WebSocket.instances.length, 2);
    h.ws.drop();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 2, delayMs: 2000 });
  });

  test('the close reason retry-after=<ms> is a hint even without a goodbye (4004 at open)', async () => {
    const h = setup();
    h.client.connect();
    await h.clock.tick(0);
    h.ws.open();
    h.ws.serverClose(4004, 'retry-after=2500');
    assert.deepEqual(h.reconnects.at(-1), { reason: 'node-full', code: 4004, attempt: 1, delayMs: 2500 });
  });

  test('a close reason that is not retry-after=<ms> is not parsed: backoff', async () => {
    const h = setup();
    await h.connect();
    h.ws.serverClose(1011, 'network-error');
    assert.equal(h.reconnects.at(-1).delayMs, 1000);
    await h.clock.tick(1000);
    await h.welcomeNext();
    h.ws.serverClose(4002, 'retry-after=soon');
    assert.equal(h.reconnects.at(-1).delayMs, 2000);
  });

  test('4001 rotated: reconnect at once', async () => {
    const h = setup();
    await h.connect();
    h.ws.receive({ type: 'goodbye', code: 4001, reason: 'rotated', retryAfterMs: 0 });
    h.ws.serverClose(4001, 'retry-after=0');
    assert.deepEqual(h.reconnects.at(-1), { reason: 'rotated', code: 4001, attempt: 1, delayMs: 0 });
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 2);
  });

  test('4003 token expired: a new token first, then reconnect at once', async () => {
    const h = setup();
    await h.connect();
    h.token = 'jwt-2';
    h.ws.receive({ type: 'goodbye', code: 4003, reason: 'token-expired' });
    h.ws.serverClose(4003, 'token-expired');
    assert.equal(h.reconnects.at(-1).delayMs, 0);
    await h.clock.tick(0);
    assert.deepEqual(h.tokenCalls, ['connect', 'token-expired']);
    assert.equal(h.fetch.calls.at(-1).init.headers.Authorization, 'Bearer jwt-2');
    assert.equal(h.ws.query.get('ticket'), 'tk2');
  });

  test('4504 replaced: closed silently, never reconnects', async () => {
    const h = setup();
    await h.connect();
    const pending = h.client.publish('chat:lobby', { text: 'x' });
    h.ws.receive({ type: 'goodbye', code: 4504, reason: 'replaced' });
    h.ws.serverClose(4504, 'replaced');
    assert.deepEqual(h.states.at(-1), { state: 'closed', previous: 'connected', reason: 'replaced', code: 4504 });
    assert.equal(h.client.lastError, null);
    await assert.rejects(pending, { code: 'closed' });
    await h.clock.tick(600000);
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('4507 stale attempt: closed silently, never reconnects (a newer attempt of the page holds it)', async () => {
    const h = setup();
    h.client.connect();
    await h.clock.tick(0);
    h.ws.receive({ type: 'goodbye', code: 4507, reason: 'replaced' });
    h.ws.serverClose(4507, 'replaced');
    assert.deepEqual(h.states.at(-1), { state: 'closed', previous: 'connecting', reason: 'stale-attempt', code: 4507 });
    assert.equal(h.client.lastError, null);
    await h.clock.tick(600000);
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('4505 kicked: closed (as PROTOCOL 5.1 says), with the reason as an error', async () => {
    const h = setup();
    await h.connect();
    h.ws.receive({ type: 'goodbye', code: 4505, reason: 'kicked' });
    h.ws.serverClose(4505, 'kicked');
    assert.equal(h.client.state, 'closed');
    assert.equal(h.states.at(-1).reason, 'kicked');
    assert.equal(h.client.lastError.code, 'kicked');
    await h.clock.tick(600000);
    assert.equal(h.WebSocket.instances.length, 1);
  });

  for (const [code, name] of [[4501, 'forbidden'], [4502, 'policy-violation'], [4503, 'too-many-connections'],
    [4506, 'bad-identity'], [4777, 'terminal-4777']]) {
    test(`${code} is terminal: failed with a clear error, no reconnect`, async () => {
      const h = setup();
      await h.connect();
      h.ws.receive({ type: 'goodbye', code, reason: 'policy', message: 'said the server' });
      h.ws.serverClose(code, 'policy');
      assert.equal(h.client.state, 'failed');
      const last = h.states.at(-1);
      assert.equal(last.reason, name);
      assert.equal(last.code, code);
      assert.equal(last.error.code, name);
      assert.equal(last.error.closeCode, code);
      assert.match(last.error.message, new RegExp(`said the server \\(close ${code}\\)`));
      assert.equal(h.client.canSend, false);
      assert.deepEqual(h.clock.pending(), []);
      await h.clock.tick(600000);
      assert.equal(h.WebSocket.instances.length, 1);
    });
  }

  test('a terminal code while connecting (4503 refusal at open) fails without any attempt', async () => {
    const h = setup();
    h.client.connect();
    await h.clock.tick(0);
    h.ws.open();
    h.ws.receive({ type: 'goodbye', code: 4503, reason: 'policy' });
    h.ws.serverClose(4503, 'policy');
    assert.deepEqual(h.trail(), ['connecting:connect', 'failed:too-many-connections']);
    assert.match(h.client.lastError.message, /too many open connections/);
  });

  test('4500 unauthorized: reconnect at once when getToken() yields a new token', async () => {
    const h = setup();
    await h.connect();
    h.token = 'jwt-2';
    h.ws.serverClose(4500, 'policy');
    assert.equal(h.client.state, 'reconnecting');
    await h.clock.tick(0);
    assert.deepEqual(h.tokenCalls, ['connect', 'unauthorized']);
    assert.equal(h.WebSocket.instances.length, 2);
    await h.welcomeNext();
    assert.equal(h.client.state, 'connected');
  });

  test('4500 unauthorized: failed when getToken() yields the same token again', async () => {
    const h = setup();
    await h.connect();
    h.ws.serverClose(4500, 'policy');
    await h.clock.tick(0);
    assert.equal(h.client.state, 'failed');
    assert.equal(h.client.lastError.code, 'unauthorized');
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('maxAttempts failed reconnects -> failed; retry() starts again with a fresh counter', async () => {
    const h = setup({ maxAttempts: 3, transport: 'websocket' });
    h.client.connect();
    await h.clock.tick(0);
    h.ws.drop(); // the first connect
    for (let i = 0; i < 3; i++) {
      await h.clock.tick(h.reconnects.at(-1).delayMs);
      h.ws.drop();
    }
    assert.equal(h.WebSocket.instances.length, 4);
    assert.equal(h.client.state, 'failed');
    assert.equal(h.states.at(-1).reason, 'max-attempts');
    assert.equal(h.client.lastError.code, 'max-attempts');
    assert.match(h.client.lastError.message, /after 3 reconnect attempts/);
    await h.clock.tick(600000);
    assert.equal(h.WebSocket.instances.length, 4);

    h.client.retry();
    assert.deepEqual(h.states.at(-1), { state: 'connecting', previous: 'failed', reason: 'retry' });
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 5);
    h.ws.drop();
    assert.deepEqual(h.reconnects.at(-1), { reason: 'network-error', code: 1006, attempt: 1, delayMs: 1000 });
    await h.clock.tick(1000);
    await h.welcomeNext();
    assert.equal(h.client.state, 'connected');
    assert.equal(h.client.lastError, null);
  });

  test('retry() while waiting for a reconnect attempts at once', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    h.client.retry();
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 2);
    assert.equal(h.states.at(-1).reason, 'retry');
  });
});

describe('heartbeat', () => {
  test('ping every 25 s; a pong within 10 s keeps the connection', async () => {
    const h = setup();
    const ws = await h.connect();
    await h.clock.tick(24999);
    assert.equal(ws.sentOfType('ping').length, 0);
    await h.clock.tick(1);
    const [ping] = ws.sentOfType('ping');
    assert.match(ping.id, /^p\d+$/);
    await h.clock.tick(9999);
    ws.receive({ type: 'pong', id: ping.id });
    await h.clock.tick(1);
    assert.equal(h.client.state, 'connected');
    await h.clock.tick(25000);
    assert.equal(ws.sentOfType('ping').length, 2);
  });

  test('no pong within 10 s: closed with 4000 and reconnected with backoff', async () => {
    const h = setup();
    const ws = await h.connect();
    await h.clock.tick(25000);
    await h.clock.tick(9999);
    assert.equal(h.client.state, 'connected');
    await h.clock.tick(1);
    assert.deepEqual(ws.closeCalls, [{ code: 4000, reason: 'heartbeat-timeout' }]);
    assert.deepEqual(h.states.at(-1), {
      state: 'reconnecting', previous: 'connected', reason: 'heartbeat-timeout', code: 4000, attempt: 1, delayMs: 1000,
    });
    await h.clock.tick(1000);
    assert.equal(h.WebSocket.instances.length, 2);
  });

  test('the interval and timeout are options', async () => {
    const h = setup({ heartbeatIntervalMs: 5000, heartbeatTimeoutMs: 2000 });
    const ws = await h.connect();
    await h.clock.tick(5000);
    assert.equal(ws.sentOfType('ping').length, 1);
    await h.clock.tick(2000);
    assert.equal(h.client.state, 'reconnecting');
  });

  test('visibilitychange to visible pings at once; to hidden does not', async () => {
    const h = setup();
    const ws = await h.connect();
    h.page.setVisibility('hidden');
    assert.equal(ws.sentOfType('ping').length, 0);
    h.page.setVisibility('visible');
    assert.equal(ws.sentOfType('ping').length, 1);
    await h.clock.tick(10000);
    assert.equal(h.client.state, 'reconnecting', 'the visibility ping has the same 10 s deadline');
    assert.equal(h.states.at(-1).reason, 'heartbeat-timeout');
  });

  test('visible while the socket is no longer open: reconnect at once', async () => {
    const h = setup();
    const ws = await h.connect();
    ws.readyState = 3; // died while the page was hidden, no event seen yet
    h.page.setVisibility('visible');
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(h.reconnects.at(-1).delayMs, 0);
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 2);
  });

  test('visible while waiting for a reconnect: the attempt starts at once', async () => {
    const h = setup();
    await h.connect();
    h.ws.drop();
    await h.clock.tick(500);
    h.page.setVisibility('visible');
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 2);
    assert.equal(h.reconnects.length, 1, 'the same attempt, only sooner');
  });
});

describe('page lifecycle', () => {
  test('never listens to unload or beforeunload', async () => {
    const h = setup();
    await h.connect();
    assert.deepEqual([...h.page.added].sort(), ['offline', 'online', 'pagehide', 'pageshow', 'visibilitychange']);
  });

  test('pagehide closes with 1000 (closing -> closed); pageshow(persisted) reconnects with a new page id and resumes', async () => {
    const h = setup();
    const first = await h.connect();
    h.client.subscribe('chat:lobby', { presence: true });
    first.receive({ type: 'subscribed', id: first.sentOfType('subscribe')[1].id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    first.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm1', ts: 't', data: 1 });
    const oldPage = h.client.pageId;

    h.page.pagehide(true);
    assert.deepEqual(first.closeCalls, [{ code: 1000, reason: 'client-normal' }]);
    await h.clock.tick(0);
    assert.deepEqual(h.trail().slice(-2), ['closing:pagehide', 'closed:pagehide']);

    h.page.pageshow(true);
    assert.notEqual(h.client.pageId, oldPage);
    assert.match(h.client.pageId, B64URL_22);
    assert.deepEqual(h.states.at(-1), { state: 'reconnecting', previous: 'closed', reason: 'pageshow', code: null, attempt: 1, delayMs: 0 });
    const second = await h.welcomeNext();
    assert.equal(second.query.get('page'), h.client.pageId);
    assert.equal(second.query.get('tab'), first.query.get('tab'));
    assert.equal(h.client.state, 'connected');
    const sub = second.sentOfType('subscribe').find((f) => f.channel === 'chat:lobby');
    assert.deepEqual(sub.position, { epoch: 'E1', seq: 42 });
    assert.equal(sub.presence, true);
  });

  test('pageshow(persisted) while the old socket is still open: it is discarded first', async () => {
    const h = setup();
    const first = await h.connect();
    first.autoCloseEvent = false;
    h.page.pagehide(true); // frozen before the close completed
    assert.equal(h.client.state, 'closing');
    h.page.pageshow(true);
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 2);
    assert.equal(first.onmessage, null, 'the old socket no longer reaches the client');
    await h.welcomeNext();
    assert.equal(h.client.state, 'connected');
  });

  test('pageshow without persisted (a normal load) does nothing', async () => {
    const h = setup();
    await h.connect();
    const page = h.client.pageId;
    h.page.pageshow(false);
    await h.clock.tick(1000);
    assert.equal(h.WebSocket.instances.length, 1);
    assert.equal(h.client.pageId, page);
  });

  test('queued publishes survive pagehide and are sent after pageshow', async () => {
    const h = setup();
    await h.connect();
    h.page.pagehide(true);
    await h.clock.tick(0);
    const p = h.client.publish('chat:lobby', { text: 'later' });
    h.page.pageshow(true);
    const ws = await h.welcomeNext();
    const [frame] = ws.sentOfType('publish');
    ws.receive({ type: 'published', id: frame.id, channel: 'chat:lobby', epoch: 'E1', seq: 5 });
    assert.equal((await p).seq, 5);
  });

  test('offline: reconnecting at once and no attempts while offline; online: attempt at once', async () => {
    const h = setup();
    const ws = await h.connect();
    h.page.offline();
    assert.equal(h.client.offline, true);
    assert.deepEqual(h.states.at(-1), { state: 'reconnecting', previous: 'connected', reason: 'offline', attempt: 0, delayMs: null });
    assert.deepEqual(ws.closeCalls.map((c) => c.code), [4000]);
    await h.clock.tick(600000);
    assert.equal(h.WebSocket.instances.length, 1);
    h.page.online();
    assert.equal(h.client.offline, false);
    assert.deepEqual(h.reconnects.at(-1), { reason: 'online', code: null, attempt: 1, delayMs: 0 });
    await h.welcomeNext();
    assert.equal(h.WebSocket.instances.length, 2);
    assert.equal(h.client.state, 'connected');
  });

  test('a failure while offline does not burn attempts', async () => {
    const h = setup({ maxAttempts: 2 });
    await h.connect();
    h.ws.drop();
    h.page.offline();
    await h.clock.tick(600000);
    assert.equal(h.client.state, 'reconnecting');
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('online after failed by max attempts retries; after a terminal code it does not', async () => {
    const h = setup({ maxAttempts: 1 });
    h.client.connect();
    await h.clock.tick(0);
    h.ws.drop();
    await h.clock.tick(1000);
    h.ws.drop();
    assert.equal(h.client.state, 'failed');
    h.page.online();
    assert.equal(h.client.state, 'connecting');
    await h.welcomeNext();
    h.ws.serverClose(4502, 'policy');
    h.page.online();
    assert.equal(h.client.state, 'failed');
  });

  test('online or visible during an attempt still getting its credential starts no second attempt', async () => {
    const h = setup();
    await h.connect();
    let release;
    const gate = new Promise((resolve) => { release = resolve; });
    h.token = gate.then(() => 'jwt-1');
    h.ws.drop();
    await h.clock.tick(1000); // the attempt starts and waits for getToken()
    h.page.online();
    h.page.setVisibility('visible');
    release();
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 2);
    assert.equal(h.reconnects.length, 1);
  });

  test('close() after pagehide rejects what pagehide kept queued', async () => {
    const h = setup();
    await h.connect();
    h.page.pagehide(true);
    await h.clock.tick(0);
    const p = h.client.publish('chat:lobby', 1);
    h.client.close();
    await assert.rejects(p, { code: 'closed' });
    h.page.pageshow(true);
    await h.clock.tick(0);
    assert.equal(h.WebSocket.instances.length, 1);
  });

  test('after close() the page events are ignored', async () => {
    const h = setup();
    await h.connect();
    h.client.close();
    await h.clock.tick(0);
    h.page.pageshow(true);
    h.page.online();
    await h.clock.tick(1000);
    assert.equal(h.client.state, 'closed');
    assert.equal(h.WebSocket.instances.length, 1);
  });
});

describe('environment', () => {
  test('runs without window, document or sessionStorage (Node)', async () => {
    const clock = new FakeClock();
    const WebSocket = fakeWebSocketClass();
    const client = new MeshClient({
      url: 'http://mesh.test', WebSocket, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
      now: clock.now, window: null, document: null, sessionStorage: null,
    });
    client.connect();
    await clock.tick(0);
    WebSocket.instances[0].welcome();
    assert.equal(client.state, 'connected');
  });
});
