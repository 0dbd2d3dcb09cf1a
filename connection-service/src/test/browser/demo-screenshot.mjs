// Regenerates docs/demo-reconnecting.png: the demo page while its only connection node is down and the client is
// backing off ("Reconnecting in 4 s…"). Needs the fat jars and chromium, like
// the browser tests:  npm run screenshot:demo
import path from 'node:path';

import { Balancer, Mesh, REPO_ROOT, launchBrowser, requireJars } from './harness.mjs';

const out = path.join(REPO_ROOT, 'docs/demo-reconnecting.png');
requireJars();
const mesh = await new Mesh({ connections: 1 }).start();
const lb = await new Balancer(mesh.connections).start();
const browser = await launchBrowser();
try {
  const bob = await browser.context.newPage();
  await bob.goto(`${lb.origin}/?user=bob`);
  const alice = await browser.context.newPage();
  await alice.setViewportSize({ width: 1000, height: 700 });
  await alice.goto(`${lb.origin}/?user=alice`);
  // Polling, not requestAnimationFrame: a background tab renders no frames.
  const wait = (page, fn) => page.waitForFunction(fn, null, { timeout: 30_000, polling: 50 });
  for (const page of [bob, alice]) await wait(page, () => window.meshDemo?.client.position('chat:lobby'));
  await bob.evaluate(() => window.meshDemo.send('hi alice, the node is going down in a second'));
  await wait(alice, () => window.meshDemo.stats.received >= 1);
  await alice.evaluate(() => window.meshDemo.send('no problem, nothing will be lost'));
  await wait(bob, () => window.meshDemo.stats.received >= 2);
  await mesh.publish('chat:lobby', `ops-${Date.now()}`, { text: 'restarting connection-service for an upgrade', from: 'ops' });
  await wait(alice, () => window.meshDemo.stats.received >= 3);
  await bob.close();

  await mesh.connections[0].kill();
  await wait(alice, () => window.meshDemo.client.state === 'reconnecting');
  await wait(alice, () => /^Reconnecting in 4 s/.test(document.querySelector('[data-testid="banner-text"]').textContent));
  await alice.screenshot({ path: out });
  console.log(`saved ${path.relative(REPO_ROOT, out)}`);
} finally {
  await browser.close();
  await lb.stop();
  await mesh.stop();
}
