// Real-browser tests of mesh-client.js and the demo page (issue 6): headless Chromium against a real mesh of
// separate JVMs (two connection nodes behind a same-origin balancer, replay-service, presence-service when built).
// Every scenario publishes from the test side through replay-service's HTTP API and checks that the page receives
// each message exactly once, whatever happened to the page or the network in between.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Balancer, Mesh, launchBrowser, requireJars, screenshotOnFailure, until } from './harness.mjs';

const CHANNEL = 'chat:lobby';
/** Client heartbeat of the test pages; the nodes run with a 2 s interval and a 2 s timeout. */
const HEARTBEAT_MS = 3000;
/** Bearer token of the server API, which the first connection node opens (scenario 8). */
const SERVER_API_TOKEN = `browser-${randomUUID()}`;

let mesh;
let lb;
let browser;
let sseAvailable = false;
let run = 0;

before(async () => {
  requireJars();
  const started = Date.now();
  mesh = await new Mesh({ serverApiToken: SERVER_API_TOKEN }).start();
  lb = await new Balancer(mesh.connections).start();
  browser = await launchBrowser();
  // Does this connection-service have the SSE endpoints? (401: yes, it wants a credential; 404: not yet.)
  const res = await fetch(`${lb.origin}/sse?session=s&tab=t&page=p`, { signal: AbortSignal.timeout(5000) });
  sseAvailable = res.status !== 404;
  await res.body?.cancel();
  process.stderr.write(`# mesh of ${mesh.services.length} JVMs and chromium ready in ${Date.now() - started} ms`
    + ` (balancer ${lb.origin}, replay http ${mesh.replayHttpPort}, sse ${sseAvailable ? 'yes' : 'no'})\n`);
});

after(async () => {
  await browser?.close();
  await lb?.stop();
  await mesh?.stop();
});

/* ---------------------------------------------------------------------------------------------------- helpers */

/** A scenario: fresh pages, a screenshot of every page on failure, pages closed afterwards. */
function scenario(name, body, options = {}) {
  it(name, { timeout: 90_000, ...options }, async (t) => {
    await closePages();
    try {
      await screenshotOnFailure(t, browser.context, () => body(t));
    } finally {
      await browser.context.setOffline(false).catch(() => {});
      lb.refuseUpgrades = false;
      // Never hide the scenario's own failure behind a cleanup one (the next scenario checks again).
      await closePages().catch((err) => t.diagnostic(`cleanup: ${err.message}`));
    }
  });
}

async function closePages() {
  for (const page of browser.context.pages()) await page.close().catch(() => {});
  await until('no connection left on the nodes', async () => (await mesh.activeConnections()) === 0, 15_000);
}

function uniqueUser(prefix) {
  return `${prefix}-${process.pid % 1000}-${++run}`;
}

/** Opens the demo page as `user` and waits until it is connected and subscribed to the chat channel. */
async function openDemo(user, { query = {}, timeoutMs = 20_000 } = {}) {
  const page = await browser.context.newPage();
  const q = new URLSearchParams({ user, heartbeat: String(HEARTBEAT_MS), ...query });
  await page.goto(`${lb.origin}/?${q}`);
  await waitConnected(page, 'the page to connect and subscribe', timeoutMs);
  return page;
}

async function waitConnected(page, what = 'the page to connect and subscribe', timeoutMs = 20_000) {
  await page.waitForFunction((channel) => {
    const c = window.meshDemo?.client;
    return c && c.state === 'connected' && c.position(channel) !== null;
  }, CHANNEL, { timeout: timeoutMs, polling: 100 }).catch((err) => {
    throw new Error(`timed out waiting for ${what}: ${err.message.split('\n')[0]}`);
  });
}

/** What the page knows: identity, connection, counters, and the chat messages it shows. */
function state(page) {
  return page.evaluate(() => {
    const { client, stats, states } = window.meshDemo;
    const messages = [...document.querySelectorAll('[data-testid="message"]')].map((li) => ({
      id: li.dataset.id, seq: li.dataset.seq ? Number(li.dataset.seq) : null, pending: li.dataset.pending === 'true',
    }));
    return {
      state: client.state, transport: client.transport, pageId: client.pageId, tabId: client.tabId,
      connectionId: client.connectionId, nodeId: client.nodeId, pending: client.pending, ...stats,
      states: states.map((s) => `${s.state}:${s.reason}`), messages,
      banner: document.querySelector('[data-testid="banner"]').dataset.state,
      bannerText: document.querySelector('[data-testid="banner-text"]').textContent,
      sendDisabled: document.querySelector('[data-testid="send-button"]').disabled,
    };
  });
}

/** Publishes `count` messages from the test side (retrying a 5xx with the same id: replay dedupes). */
async function publish(prefix, count) {
  const ids = [];
  for (let i = 1; i <= count; i++) {
    const id = `${prefix}-${i}-${Date.now().toString(36)}`;
    await until(`publish of ${id}`, async () => {
      try {
        await mesh.publish(CHANNEL, id, { text: `${prefix} #${i}`, from: 'test' });
        return true;
      } catch (err) {
        if (!/HTTP 5\d\d|fetch failed|aborted|timeout/i.test(String(err?.message) + String(err?.cause))) throw err;
        return false;
      }
    }, 20_000, 250);
    ids.push(id);
  }
  return ids;
}

/** Waits until every id is shown with its position, then checks each is shown once and counted once. */
async function expectReceivedOnce(page, ids, what) {
  await page.waitForFunction((wanted) => wanted.every((id) => window.meshDemo.rendered.get(id)?.dataset.seq),
    ids, { timeout: 20_000, polling: 100 }).catch(async (err) => {
    const s = await state(page);
    const missing = ids.filter((id) => !s.messages.some((m) => m.id === id && m.seq !== null));
    throw new Error(`${what}: not received: ${missing.join(', ')} (state ${s.state}; ${err.message.split('\n')[0]})`);
  });
  const s = await state(page);
  for (const id of ids) {
    assert.equal(s.messages.filter((m) => m.id === id).length, 1, `${what}: ${id} shown once`);
  }
  const seqs = s.messages.filter((m) => m.seq !== null).map((m) => m.seq);
  assert.equal(new Set(seqs).size, seqs.length, `${what}: no position shown twice`);
  assert.equal(s.gaps, 0, `${what}: no gap detected`);
  assert.equal(s.resets, 0, `${what}: no history reset`);
  return s;
}

/** The server holds exactly `n` connections, and still does a moment later (no late duplicate). */
async function expectConnections(n, what) {
  await until(`${what}: ${n} open connection(s) on the nodes`, async () => (await mesh.activeConnections()) === n, 15_000);
  await sleep(750);
  assert.equal(await mesh.activeConnections(), n, `${what}: still ${n} connection(s)`);
}

/** Records every banner text the page shows from now on (window.__banners). */
function recordBanner(page) {
  return page.evaluate(() => {
    window.__banners = [];
    const text = document.querySelector('[data-testid="banner-text"]');
    new MutationObserver(() => window.__banners.push(text.textContent))
      .observe(text, { childList: true, characterData: true, subtree: true });
  });
}

/**
 * When presence works, a second page (another user, in a background tab) watches `user` in its member list and
 * records every state it shows for it ('present', 'reconnecting', or 'absent' after a leave). Returns null, with a
 * diagnostic, when presence is not available.
 */
async function watchPresence(t, page, user) {
  if (!(await presenceWorks(page))) {
    t.diagnostic('presence-service answers no presence on this build: the member list is not checked');
    return null;
  }
  const observer = await openDemo(uniqueUser('observer'));
  await observer.waitForFunction((u) => document.querySelector(`[data-testid="member"][data-user="${u}"]`), user,
    { timeout: 10_000, polling: 100 });
  await page.bringToFront(); // the page under test stays the visible tab
  // A MutationObserver sees every change of the list, even in a background tab whose timers are throttled.
  await observer.evaluate((u) => {
    const list = document.querySelector('[data-testid="members"]');
    const seen = () => document.querySelector(`[data-testid="member"][data-user="${u}"]`)?.dataset.state ?? 'absent';
    window.__member = [seen()];
    new MutationObserver(() => {
      const now = seen();
      if (now !== window.__member[window.__member.length - 1]) window.__member.push(now);
    }).observe(list, { childList: true, subtree: true, attributes: true });
  }, user);
  const history = () => observer.evaluate(() => window.__member);
  return {
    history,
    async expectNeverLeft() {
      const h = await history();
      assert.ok(!h.includes('absent'), `${user} never left the member list another user sees (${h.join(' -> ')})`);
      return h;
    },
  };
}

/** Polls presence-service for `user` and records each status it reports, with the time it was first seen. */
function pollPresence(user) {
  const seen = [];
  let stopped = false;
  const loop = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets it
    while (!stopped) {
      try {
        const p = await mesh.userPresence(user);
        if (seen.at(-1)?.status !== p.status) seen.push({ status: p.status, reason: p.reason ?? null, at: Date.now() });
      } catch {
        // a slow answer: the next poll tells
      }
      await sleep(150);
    }
  })();
  return {
    seen,
    text: () => seen.map((x) => `${x.status}${x.reason ? `(${x.reason})` : ''}`).join(' -> '),
    async stop() {
      stopped = true;
      await loop;
      return seen;
    },
  };
}

/** Whether presence-service answers: the subscription came back with a member list. */
function presenceWorks(page) {
  return page.evaluate((channel) => window.meshDemo.client.members(channel).length > 0, CHANNEL);
}

/** POST /api/<method> on the server API, as a backend would; the JSON reply of a 200. */
async function serverApi(method, body) {
  const res = await fetch(`http://127.0.0.1:${mesh.serverApiPort}/api/${method}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SERVER_API_TOKEN}` },
    body: JSON.stringify(body), signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`server API ${method}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Subscribers of `channel` on the nodes, from the server API's channel list. */
async function subscribersOf(channel) {
  const { channels } = await serverApi('channels', { prefix: channel });
  return channels.find((c) => c.channel === channel)?.subscribers ?? 0;
}

/* ---------------------------------------------------------------------------------------------------- scenarios */

describe('mesh-client in a real browser', { concurrency: false }, () => {
  scenario('1 back/forward: restored from the bfcache, new page id, resumed, one connection for the tab', async (t) => {
    const user = uniqueUser('bf');
    const page = await openDemo(user);
    const watcher = await watchPresence(t, page, user);
    const others = watcher ? 1 : 0; // the watching page's own connection
    const status = watcher ? pollPresence(user) : null;
    await page.evaluate(() => {
      window.__pageshows = [];
      addEventListener('pageshow', (e) => window.__pageshows.push(e.persisted));
    });
    const before = await state(page);
    const [m1] = await publish('bf-before', 1);
    await expectReceivedOnce(page, [m1], 'before leaving');

    await page.goto(`${lb.origin}/__harness/blank`);
    await expectConnections(others, 'page A in the bfcache closed its connection on pagehide');
    const whileAway = await publish('bf-away', 2);

    await page.goBack({ waitUntil: 'commit' });
    const persisted = await until('pageshow after back', () => page.evaluate(() => window.__pageshows?.[0] ?? null)
      .catch(() => null), 10_000);
    if (persisted !== true) {
      const reasons = await page.evaluate(() => JSON.stringify(performance.getEntriesByType('navigation')[0]?.notRestoredReasons));
      assert.fail(`the page was not restored from the back/forward cache (notRestoredReasons: ${reasons})`);
    }
    await waitConnected(page, 'the restored page to reconnect');
    const after = await expectReceivedOnce(page, [m1, ...whileAway], 'after the restore');
    assert.notEqual(after.pageId, before.pageId, 'a new page id after the bfcache restore');
    assert.equal(after.tabId, before.tabId, 'the same tab id');
    assert.notEqual(after.connectionId, before.connectionId, 'a new connection');
    // The page is frozen into the cache right after pagehide: 'closed' may only come after the restore (or never).
    assert.ok(after.states.includes('closing:pagehide'), `closed on pagehide (${after.states.join(' ')})`);
    assert.ok(after.states.includes('reconnecting:pageshow'), `reconnected on pageshow (${after.states.join(' ')})`);
    await expectConnections(1 + others, 'after the restore');
    const live = await publish('bf-live', 1);
    await expectReceivedOnce(page, [m1, ...whileAway, ...live], 'live after the restore');
    await watcher?.expectNeverLeft();
    if (status) {
      await status.stop();
      assert.ok(!status.seen.some((x) => x.status !== 'online'), `${user} stayed online for presence (${status.text()})`);
    }
    t.diagnostic(`states: ${after.states.join(' -> ')}`);
  });

  scenario('2 refresh: one connection after the reload, same tab, no duplicate message', async (t) => {
    const user = uniqueUser('rf');
    const page = await openDemo(user);
    const watcher = await watchPresence(t, page, user);
    const others = watcher ? 1 : 0;
    const status = watcher ? pollPresence(user) : null;
    const before = await state(page);
    const first = await publish('rf-before', 2);
    await expectReceivedOnce(page, first, 'before the reload');

    await page.reload();
    await waitConnected(page, 'the reloaded page to connect');
    const after = await state(page);
    assert.equal(after.tabId, before.tabId, 'the tab id survives the reload (sessionStorage)');
    assert.notEqual(after.pageId, before.pageId, 'a new page id per load');
    await expectConnections(1 + others, 'after the reload');
    const next = await publish('rf-after', 3);
    const s = await expectReceivedOnce(page, next, 'after the reload');
    assert.equal(s.received, 3, 'the reloaded page received each new message once');
    assert.equal(s.duplicates, 0, 'the client dropped no duplicate (none was sent)');
    await watcher?.expectNeverLeft();
    if (status) {
      await status.stop();
      assert.ok(!status.seen.some((x) => x.status !== 'online'), `${user} stayed online for presence (${status.text()})`);
    }
  });

  scenario('3 offline/online: banner says offline, send disabled and queued, everything arrives after online', async () => {
    const user = uniqueUser('off');
    const page = await openDemo(user);
    const [m0] = await publish('off-before', 1);
    await expectReceivedOnce(page, [m0], 'before going offline');

    await browser.context.setOffline(true);
    await page.waitForFunction(() => document.querySelector('[data-testid="banner"]').dataset.state === 'offline',
      null, { timeout: 10_000, polling: 100 });
    let s = await state(page);
    assert.match(s.bannerText, /Offline/);
    assert.equal(s.sendDisabled, true, 'send is disabled while offline');
    assert.equal(s.state, 'reconnecting');

    const queuedId = await page.evaluate(() => {
      const p = window.meshDemo.send('written while offline');
      window.__queued = p;
      return [...window.meshDemo.rendered.keys()].pop();
    });
    s = await state(page);
    assert.equal(s.messages.find((m) => m.id === queuedId)?.pending, true, 'the queued message shows as pending');
    assert.equal(s.pending, 1, 'one message waits in the outbox');
    const whileOffline = await publish('off-during', 3);
    await sleep(1500);
    assert.equal((await state(page)).state, 'reconnecting', 'no connection while offline');

    await browser.context.setOffline(false);
    await waitConnected(page, 'the page to reconnect once online');
    const settled = await page.evaluate(() => window.__queued.then((id) => id));
    assert.equal(settled, queuedId);
    s = await expectReceivedOnce(page, [m0, queuedId, ...whileOffline], 'after online');
    assert.equal(s.messages.find((m) => m.id === queuedId).pending, false, 'the queued message is no longer pending');
    assert.equal(s.pending, 0);
    assert.equal(s.sendDisabled, false, 'send is enabled again');
    await expectConnections(1, 'after online');
  });

  scenario('4 frozen page longer than the heartbeat: dead socket detected, reconnected, every message once', async (t) => {
    const user = uniqueUser('fz');
    const page = await openDemo(user);
    const watcher = await watchPresence(t, page, user);
    const others = watcher ? 1 : 0;
    const before = await state(page);
    const [m0] = await publish('fz-before', 1);
    await expectReceivedOnce(page, [m0], 'before the freeze');
    const zombies = await mesh.counter('mesh_zombies_terminated_total');

    // Like a laptop going to sleep: the page stops running and its network goes silent (nothing closes).
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    const frozenAt = Date.now();
    assert.equal(lb.silenceWebSockets(before.pageId), 1, 'the page had one WebSocket');
    const whileFrozen = await publish('fz-during', 3);
    // Longer than the server's heartbeat interval + timeout (2 s + 2 s) and the client's (3 s + 3 s).
    await until('the node to terminate the silent connection as a zombie',
      async () => (await mesh.counter('mesh_zombies_terminated_total')) > zombies, 10_000, 200);
    await sleep(Math.max(0, 7000 - (Date.now() - frozenAt)));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await cdp.detach().catch(() => {});

    await page.waitForFunction((id) => window.meshDemo.client.connectionId && window.meshDemo.client.connectionId !== id,
      before.connectionId, { timeout: 20_000, polling: 100 });
    await waitConnected(page, 'the resumed page to reconnect');
    const s = await expectReceivedOnce(page, [m0, ...whileFrozen], 'after the freeze');
    const afterFreeze = s.states.slice(before.states.length);
    assert.ok(afterFreeze.some((x) => x.startsWith('reconnecting:')), `went through reconnecting (${afterFreeze.join(' ')})`);
    t.diagnostic(`after the freeze: ${afterFreeze.join(' -> ')}`);
    await expectConnections(1 + others, 'after the freeze');
    if (watcher) {
      await until(`${user} present again for the other user`, async () => (await watcher.history()).at(-1) === 'present');
      const h = await watcher.expectNeverLeft();
      assert.ok(h.includes('reconnecting'), `the other user saw ${user} reconnecting, not gone (${h.join(' -> ')})`);
      t.diagnostic(`${user} as another user saw it: ${h.join(' -> ')}`);
    }
    const live = await publish('fz-live', 1);
    await expectReceivedOnce(page, live, 'live after the freeze');
  });

  scenario('4b silent dead socket on a visible page: the client heartbeat detects it, reconnects, resumes', async (t) => {
    const user = uniqueUser('hb');
    const page = await openDemo(user);
    const before = await state(page);
    assert.equal(lb.silenceWebSockets(before.pageId), 1, 'the page had one WebSocket');
    const silencedAt = Date.now();
    const during = await publish('hb-during', 2);
    await page.waitForFunction((id) => window.meshDemo.client.connectionId && window.meshDemo.client.connectionId !== id,
      before.connectionId, { timeout: 20_000, polling: 100 });
    await waitConnected(page, 'the page to reconnect after its heartbeat timed out');
    const tookMs = Date.now() - silencedAt;
    const s = await expectReceivedOnce(page, during, 'after the dead socket');
    const after = s.states.slice(before.states.length);
    assert.ok(after.includes('reconnecting:heartbeat-timeout'), `detected by the heartbeat (${after.join(' ')})`);
    // Ping every 3 s, pong timeout 3 s, then the first backoff (0.8-1.2 s), plus the time to connect.
    assert.ok(tookMs < 3000 + 3000 + 1200 + 3000, `detected and reconnected in ${tookMs} ms`);
    t.diagnostic(`dead socket detected and replaced in ${tookMs} ms: ${after.join(' -> ')}`);
    await expectConnections(1, 'after the dead socket');
  });

  scenario('6 tab close: presence offline after the debounce, not the grace', async (t) => {
    const observer = await openDemo(uniqueUser('tc-observer'));
    if (!(await presenceWorks(observer))) {
      t.skip('presence-service answers no presence on this build (subscribed carries no member list): '
        + 'nothing to observe; runs once presence-service and its connection-service wiring are merged');
      return;
    }
    const user = uniqueUser('tc');
    const leaving = await openDemo(user);
    await observer.waitForFunction((u) => document.querySelector(`[data-testid="member"][data-user="${u}"]`), user,
      { timeout: 10_000, polling: 100 });
    const status = pollPresence(user);
    await until(`${user} online`, () => status.seen.at(-1)?.status === 'online');
    const closedAt = Date.now();
    await leaving.close({ runBeforeUnload: false });
    await observer.waitForFunction((u) => !document.querySelector(`[data-testid="member"][data-user="${u}"]`), user,
      { timeout: 15_000, polling: 100 });
    const leftMs = Date.now() - closedAt;
    await until(`${user} offline for presence-service`, () => status.seen.at(-1)?.status === 'offline', 15_000);
    await status.stop();
    const offlineMs = status.seen.at(-1).at - closedAt;
    t.diagnostic(`channel member left after ${leftMs} ms, user offline after ${offlineMs} ms (${status.text()}); `
      + 'debounce 4 s, grace 30 s');
    assert.ok(!status.seen.some((x) => x.status === 'reconnecting'), `an intentional close, never reconnecting (${status.text()})`);
    assert.equal(status.seen.at(-1).reason, 'client-normal', 'offline for a normal close (pagehide)');
    for (const [what, ms] of [['member left the channel', leftMs], ['user went offline', offlineMs]]) {
      assert.ok(ms >= 3500, `${what} not before the debounce (${ms} ms)`);
      assert.ok(ms < 15_000, `${what} after the debounce, long before the grace (${ms} ms)`);
    }
  });

  scenario('7 WebSocket blocked: the SSE fallback connects and the chat works both ways', async (t) => {
    if (!sseAvailable) {
      t.skip('connection-service answers 404 on GET /sse: the SSE endpoints (GET /sse, POST /sse/{connectionId}) '
        + 'are not on this branch yet');
      return;
    }
    lb.refuseUpgrades = true;
    // Three refused upgrades (with the backoff between them) before the client switches to SSE.
    const page = await openDemo(uniqueUser('sse'), { timeoutMs: 40_000 });
    let s = await state(page);
    assert.equal(s.transport, 'sse', 'fell back to SSE');
    assert.ok(lb.refused >= 1, 'the balancer refused WebSocket upgrades');
    const inbound = await publish('sse-in', 2);
    await expectReceivedOnce(page, inbound, 'received over SSE');
    await page.fill('[data-testid="send-input"]', 'sent over SSE');
    await page.click('[data-testid="send-button"]');
    const ownId = await page.evaluate(() => [...window.meshDemo.rendered.keys()].pop());
    s = await expectReceivedOnce(page, [...inbound, ownId], 'own message over SSE');
    assert.equal(s.messages.find((m) => m.id === ownId).pending, false);
    await expectConnections(1, 'over SSE');
  });

  scenario('8 subscription ended by the server: dropped by the page, reported, not resubscribed on reconnect', async (t) => {
    const user = uniqueUser('un');
    const room = `room:${user}`;
    const page = await openDemo(user);
    await page.evaluate((channel) => {
      const { client } = window.meshDemo;
      window.__ended = [];
      window.__roomEvents = [];
      window.__sent = [];
      client.on('unsubscribed', (u) => window.__ended.push(u));
      client.on('event', (e) => e.channel === channel && window.__roomEvents.push(e.id));
      // Every frame the page sends from now on, on this socket and the next ones.
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) {
        window.__sent.push(JSON.parse(data));
        return send.call(this, data);
      };
      return client.subscribe(channel).then(() => undefined);
    }, room);
    assert.equal(await subscribersOf(room), 1, 'the page is subscribed on the server');
    const first = `${user}-1`;
    await mesh.publish(room, first, { n: 1 });
    await page.waitForFunction((id) => window.__roomEvents.includes(id), first, { timeout: 10_000, polling: 100 });

    const answer = await serverApi('unsubscribe', { userId: user, channel: room });
    assert.equal(answer.unsubscribed, 1, 'the server ended one connection\'s subscription');
    await page.waitForFunction(() => window.__ended.length > 0, null, { timeout: 10_000, polling: 100 });
    let seen = await page.evaluate((channel) => ({
      ended: window.__ended, channels: window.meshDemo.client.channels, position: window.meshDemo.client.position(channel),
    }), room);
    assert.deepEqual(seen.ended, [{ channel: room, reason: 'server' }], 'one unsubscribed event, reason server');
    assert.ok(!seen.channels.includes(room), `dropped from the client's channels (${seen.channels.join(', ')})`);
    assert.equal(seen.position, null, 'no position kept for it');
    assert.ok(seen.channels.includes(CHANNEL), 'the other subscriptions stay');
    assert.equal(await subscribersOf(room), 0, 'no subscriber left on the server');

    // A reconnect (offline, then online) resubscribes what the page keeps, and not the ended channel.
    const before = await state(page);
    await page.evaluate(() => { window.__sent.length = 0; });
    await browser.context.setOffline(true);
    await page.waitForFunction(() => window.meshDemo.client.state === 'reconnecting', null, { timeout: 10_000, polling: 100 });
    await browser.context.setOffline(false);
    await page.waitForFunction((id) => window.meshDemo.client.connectionId && window.meshDemo.client.connectionId !== id,
      before.connectionId, { timeout: 20_000, polling: 100 });
    await waitConnected(page, 'the page to reconnect');
    const subscribes = await page.evaluate(() => window.__sent.filter((f) => f.type === 'subscribe').map((f) => f.channel));
    assert.ok(subscribes.includes(CHANNEL), `resubscribed the chat after the reconnect (${subscribes.join(', ')})`);
    assert.ok(!subscribes.includes(room), `did not resubscribe ${room} (${subscribes.join(', ')})`);
    assert.equal(await subscribersOf(room), 0, 'still no subscriber on the server after the reconnect');

    // Events of the ended channel no longer reach the page; the chat still does.
    await mesh.publish(room, `${user}-2`, { n: 2 });
    const [chat] = await publish('un-live', 1);
    await expectReceivedOnce(page, [chat], 'the chat after the reconnect');
    seen = await page.evaluate(() => ({ events: window.__roomEvents, ended: window.__ended.length }));
    assert.deepEqual(seen.events, [first], 'no event of the ended channel after the unsubscribe');
    assert.equal(seen.ended, 1, 'reported once');
    t.diagnostic(`subscribes after the reconnect: ${subscribes.join(', ')}`);
  });

  // Last: it leaves one connection node dead.
  scenario('5 server node killed: the page moves to the other node, resumes with nothing lost or doubled', async (t) => {
    const user = uniqueUser('kill');
    const page = await openDemo(user);
    const before = await state(page);
    const first = await publish('kill-before', 2);
    await expectReceivedOnce(page, first, 'before the kill');
    const victim = mesh.connections[0]; // the balancer sends everything to the first live node
    const onVictim = Number((await victim.metrics()).match(/^mesh_connections_active\{[^}]*websocket[^}]*\} (\S+)/m)?.[1]);
    assert.equal(onVictim, 1, 'the page is connected to the first node');
    await recordBanner(page);

    await victim.kill();
    const killedAt = Date.now();
    const during = await publish('kill-during', 3);
    await page.waitForFunction((id) => window.meshDemo.client.connectionId && window.meshDemo.client.connectionId !== id,
      before.connectionId, { timeout: 30_000, polling: 100 });
    await waitConnected(page, 'the page to reconnect to the surviving node');
    const tookMs = Date.now() - killedAt;
    const s = await expectReceivedOnce(page, [...first, ...during], 'after the node died');
    assert.notEqual(s.nodeId, before.nodeId, 'now on another node');
    const banners = await page.evaluate(() => window.__banners);
    assert.ok(banners.some((b) => /^Reconnecting/.test(b)), `the banner showed reconnecting (${banners.join(' | ')})`);
    assert.ok(s.states.slice(before.states.length).includes('reconnecting:network-error'),
      `reconnecting after a network error (${s.states.join(' ')})`);
    assert.ok(tookMs < 15_000, `reconnected within the backoff (${tookMs} ms)`);
    t.diagnostic(`reconnected to the other node ${tookMs} ms after the kill: ${s.states.slice(before.states.length).join(' -> ')}`);
    await expectConnections(1, 'after the node died');
    const live = await publish('kill-live', 1);
    await expectReceivedOnce(page, live, 'live on the surviving node');
  });
});
