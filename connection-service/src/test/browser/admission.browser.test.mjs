// Real-browser test of admission control (PROTOCOL 1.2 step 3b, 5.2, 5.3): a connection node that admits one new
// connection per second defers the others with close 4006 and a retry-after hint; mesh-client in Chromium waits at
// least that hint (plus its jitter) before the next attempt, does not count the deferral as a failed attempt, and every
// page ends up connected.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { Mesh, launchBrowser, requireJars, screenshotOnFailure, until } from './harness.mjs';

let mesh;
let browser;
let origin;

before(async () => {
  requireJars();
  const started = Date.now();
  mesh = await new Mesh({
    connections: 1, presence: false, env: { MESH_ADMISSION_RATE: '1', MESH_ADMISSION_BURST: '1' },
  }).start();
  origin = `http://127.0.0.1:${mesh.connections[0].httpPort}`;
  browser = await launchBrowser();
  process.stderr.write(`# admission: mesh of ${mesh.services.length} JVMs and chromium ready in ${Date.now() - started} ms\n`);
});

after(async () => {
  await browser?.close();
  await mesh?.stop();
});

/**
 * A page of the node's origin holding one MeshClient (not connected yet) that records its disconnects (code, goodbye),
 * its scheduled reconnects (delay, attempt) and when each WebSocket was created.
 */
async function clientPage(user) {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/`); // the demo page, which does not connect without ?user=
  await page.evaluate(async (u) => {
    const log = { sockets: [], disconnects: [], reconnects: [], states: [] };
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        log.sockets.push(performance.now());
      }
    };
    const { MeshClient } = await import('/mesh-client.js');
    const client = new MeshClient({
      getToken: async () => (await (await fetch(`/demo/token?user=${u}`, { cache: 'no-store' })).json()).token,
      transport: 'websocket',
    });
    client.on('disconnect', (e) => log.disconnects.push({ at: performance.now(), code: e.code, hint: e.goodbye?.retryAfterMs ?? null }));
    client.on('reconnect', (e) => log.reconnects.push({ at: performance.now(), code: e.code, delayMs: e.delayMs, attempt: e.attempt }));
    client.on('state', (e) => log.states.push(`${e.state}:${e.reason}`));
    window.__admission = { client, log };
  }, user);
  return page;
}

function connect(page) {
  return page.evaluate(() => window.__admission.client.connect());
}

function connected(page) {
  return page.evaluate(() => window.__admission.client.state === 'connected');
}

function log(page) {
  return page.evaluate(() => window.__admission.log);
}

describe('admission control in a real browser', { concurrency: false }, () => {
  it('deferred pages (4006) wait at least their hint, each its own, and all connect', { timeout: 90_000 }, async (t) => {
    const pages = [];
    for (let i = 0; i < 4; i++) pages.push(await clientPage(`adm-${process.pid % 1000}-${i}`));
    await screenshotOnFailure(t, browser.context, async () => {
      // The first takes the node's one token; the three others arrive together, within the second it takes to refill.
      await connect(pages[0]);
      await until('the first page connected', () => connected(pages[0]), 20_000);
      await Promise.all(pages.slice(1).map(connect));
      await until('every page connected', async () => (await Promise.all(pages.map(connected))).every(Boolean), 60_000);

      const logs = await Promise.all(pages.map(log));
      const deferrals = [];
      for (const [i, l] of logs.entries()) {
        for (const [k, d] of l.disconnects.entries()) {
          assert.equal(d.code, 4006, `page ${i}: only deferrals, no other close (${l.states.join(' ')})`);
          assert.ok(Number.isInteger(d.hint) && d.hint >= 250, `page ${i}: a goodbye hint (${d.hint})`);
          const reconnect = l.reconnects[k];
          assert.equal(reconnect.code, 4006);
          assert.equal(reconnect.attempt, 0, `page ${i}: a deferral is not a failed attempt`);
          assert.ok(reconnect.delayMs >= d.hint && reconnect.delayMs <= Math.round(d.hint * 1.1),
            `page ${i}: waits hint * U(1, 1.1): hint ${d.hint}, delay ${reconnect.delayMs}`);
          // The socket after this close: opened no sooner than the hint after it.
          const next = l.sockets.find((at) => at > d.at);
          assert.ok(next !== undefined && next - d.at >= d.hint,
            `page ${i}: next attempt ${Math.round(next - d.at)} ms after the close, hint ${d.hint}`);
          if (k === 0) deferrals.push(d.hint);
        }
        assert.ok(l.states.at(-1).startsWith('connected:'), `page ${i} ends connected (${l.states.join(' ')})`);
      }
      assert.ok(deferrals.length >= 2, `at least two of the three late pages were deferred (${deferrals.length})`);
      // Each deferred page got its own slot in the node's queue, 1 s apart at 1 connection per second.
      const sorted = [...deferrals].sort((a, b) => a - b);
      assert.ok(sorted.at(-1) - sorted[0] >= 500, `the hints grow with the queue (${sorted.join(', ')} ms)`);
      assert.equal(await mesh.counter('mesh_admission_admitted_total'), 4, 'each page admitted once');
      assert.ok(await mesh.counter('mesh_admission_deferred_total') >= deferrals.length);
    });
    for (const page of pages) await page.close().catch(() => {});
  });
});
