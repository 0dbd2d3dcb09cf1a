// Harness of the real-browser tests: a real mesh started from the fat jars as separate JVMs on free ports, a tiny
// same-origin load balancer in front of the connection nodes, and Debian's headless Chromium driven over CDP by
// playwright-core. Everything started here is killed when the test process ends, however it ends: an 'exit' hook
// kills the children, each JVM also exits by itself when this process dies (MESH_PARENT_PID), and a watchdog shell
// per child covers a SIGKILL of this process.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const OUT_DIR = path.join(REPO_ROOT, 'connection-service/target');
export const SCREENSHOT_DIR = path.join(OUT_DIR, 'browser-screenshots');
export const LOG_DIR = path.join(OUT_DIR, 'browser-logs');
export const CHROMIUM = process.env.MESH_CHROMIUM ?? '/usr/bin/chromium';

const JVM_FLAGS = ['--add-modules', 'java.se', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k'];
const JWT_SECRET = 'browser-tests-secret-of-at-least-32-bytes';

export function jarOf(service) {
  return path.join(REPO_ROOT, service, 'target', `${service}.jar`);
}

/** Throws a clear message when the fat jars the tests run are not built. */
export function requireJars(services = ['connection-service', 'replay-service']) {
  const missing = services.map(jarOf).filter((jar) => !fs.existsSync(jar));
  if (missing.length) {
    throw new Error(`the browser tests run the services' fat jars, and these are missing:\n  ${missing.join('\n  ')}\n`
      + 'build them first: mvn -B -DskipTests package (./mesh test does it with mvn verify)');
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (./mesh test does it), or set MESH_CHROMIUM`);
  }
}

/* ------------------------------------------------------------------------------------------ process hygiene */

const children = new Set();

function killAll() {
  for (const child of children) {
    try {
      process.kill(child.group ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + os.constants.signals[signal]);
  });
}

/**
 * Kills `pid` (its whole process group when `group`) as soon as this process is gone, even after a SIGKILL, then
 * removes `dir` if given.
 */
function watchdog(pid, group, dir) {
  const target = group ? `-${pid}` : `${pid}`;
  const cleanup = dir ? `; sleep 1; rm -rf '${dir}'` : '';
  const dog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; `
    + `kill -9 ${target} 2>/dev/null${cleanup}; exit 0`], { detached: true, stdio: 'ignore' });
  dog.unref();
}

function track(child, group = false, dir = undefined) {
  const entry = { pid: child.pid, group };
  children.add(entry);
  watchdog(child.pid, group, dir);
  child.once('exit', () => children.delete(entry));
  return child;
}

/* ---------------------------------------------------------------------------------------------------- ports */

// Ports are drawn below Linux's ephemeral range (32768+): a port picked there (by listen(0), as this harness once did)
// can be taken, before the service binds it, by another process's outgoing connection; presence then failed to start
// with "Address already in use". 20000-27499 for single ports, 27500-29999 for Hazelcast ranges; the Java end-to-end
// tests use 20000-31999 too, but never at the same time as these.
/** Every port handed out by this process: never given twice, since a port handed out but not yet bound looks free. */
const handedOut = new Set();

export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 7_500);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port in 20000-27499');
}

async function portFree(port) {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port with `count` free ports after it (count < 50), in 27500-29999. */
async function freeRange(count) {
  for (let i = 0; i < 50; i++) {
    const base = 27_500 + Math.floor(Math.random() * 50) * 50;
    if (handedOut.has(base)) continue;
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portFree(p);
    if (ok) {
      for (let p = base; p < base + count; p++) handedOut.add(p);
      return base;
    }
  }
  throw new Error('no free range of ports for Hazelcast');
}

/* ------------------------------------------------------------------------------------------------------ mesh */

/** One service JVM. */
class Service {
  constructor(name, service, env) {
    this.name = name;
    this.service = service;
    this.env = env;
    this.opsPort = Number(env.MESH_OPS_PORT);
    this.logFile = path.join(LOG_DIR, `${name}.log`);
    this.exited = null;
  }

  start() {
    const out = fs.openSync(this.logFile, 'w');
    const child = spawn('java', [...JVM_FLAGS, '-jar', jarOf(this.service)], {
      env: { ...process.env, ...this.env }, stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.child = track(child);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.exitInfo = null;
    this.exited.then((info) => (this.exitInfo = info));
    return this;
  }

  get alive() {
    return this.exitInfo === null;
  }

  logTail(lines = 30) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async ready(timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) {
        throw new Error(`${this.name} exited during start-up (${JSON.stringify(this.exitInfo)}); log ${this.logFile}:\n${this.logTail()}`);
      }
      const status = await httpStatus(`http://127.0.0.1:${this.opsPort}/ready`);
      if (status === 200) return this;
      await sleep(200);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms; log ${this.logFile}:\n${this.logTail()}`);
  }

  /** SIGKILL: the node dies without a goodbye, like a crashed machine. */
  async kill() {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async metrics() {
    return httpText(`http://127.0.0.1:${this.opsPort}/metrics`);
  }
}

async function httpStatus(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function httpText(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.text();
}

/**
 * A mesh on loopback: `connections` connection-service nodes, replay-service, and presence-service when its jar is
 * built. Short heartbeats so that the tests see dead sockets in seconds.
 */
export class Mesh {
  /** `serverApiToken`: the first connection node also opens the server API with that bearer token. */
  constructor({ connections = 2, presence = fs.existsSync(jarOf('presence-service')), env = {},
    serverApiToken = undefined } = {}) {
    this.options = { connections, presence, env, serverApiToken };
    this.services = [];
    this.connections = [];
  }

  async start() {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const { connections, presence, env } = this.options;
    const count = connections + 1 + (presence ? 1 : 0);
    const base = await freeRange(count + 5);
    const members = Array.from({ length: count }, (_, i) => `127.0.0.1:${base + i}`).join(',');
    const common = {
      MESH_CLUSTER_NAME: `browser-${process.pid}-${Date.now().toString(36)}`,
      MESH_CLUSTER_PORT: String(base),
      MESH_CLUSTER_MEMBERS: members,
      MESH_CLUSTER_HEARTBEAT: '1s',
      MESH_CLUSTER_FAILURE_TIMEOUT: '3s',
      MESH_SHUTDOWN_TIMEOUT: '5s',
      MESH_PARENT_PID: String(process.pid),
      MESH_LOG_LEVEL: 'INFO',
      ...env,
    };
    this.replayHttpPort = await freePort();
    const replay = new Service('replay', 'replay-service', {
      ...common, MESH_OPS_PORT: String(await freePort()), MESH_REPLAY_HTTP_PORT: String(this.replayHttpPort),
    });
    this.services.push(replay);
    if (presence) {
      this.presenceHttpPort = await freePort();
      this.services.push(new Service('presence', 'presence-service', {
        ...common, MESH_OPS_PORT: String(await freePort()), MESH_PRESENCE_HTTP_PORT: String(this.presenceHttpPort),
        MESH_PRESENCE_DEBOUNCE: '4s', MESH_PRESENCE_GRACE: '30s',
      }));
    }
    for (let i = 0; i < connections; i++) {
      const node = new Service(`connection-${i + 1}`, 'connection-service', {
        ...common,
        MESH_OPS_PORT: String(await freePort()),
        MESH_HTTP_PORT: String(await freePort()),
        MESH_JWT_SECRET: JWT_SECRET,
        MESH_DEMO_TOKENS: 'true',
        MESH_ALLOWED_ORIGINS: '',
        MESH_HEARTBEAT_INTERVAL: '2s',
        MESH_HEARTBEAT_TIMEOUT: '2s',
        // Every page reaches the nodes through the test balancer, from one address: per-address limits meant for
        // one browser per address would throttle the whole suite.
        MESH_CONNECT_RATE_PER_ADDRESS: '100000',
        MESH_CONNECT_BURST_PER_ADDRESS: '100000',
        MESH_POST_RATE_PER_ADDRESS: '100000',
        MESH_POST_BURST_PER_ADDRESS: '100000',
      });
      if (i === 0 && this.options.serverApiToken) {
        this.serverApiPort = await freePort();
        node.env.MESH_SERVER_API_PORT = String(this.serverApiPort);
        node.env.MESH_SERVER_API_TOKEN = this.options.serverApiToken;
      }
      node.httpPort = Number(node.env.MESH_HTTP_PORT);
      this.connections.push(node);
      this.services.push(node);
    }
    // All at once: Hazelcast's join is what takes the time, and it overlaps.
    for (const s of this.services) s.start();
    await Promise.all(this.services.map((s) => s.ready()));
    this.replay = replay;
    return this;
  }

  service(name) {
    return this.services.find((s) => s.name === name);
  }

  /** Publishes one chat message through replay-service's HTTP API, as a backend would. */
  async publish(channel, id, data) {
    const res = await fetch(`http://127.0.0.1:${this.replayHttpPort}/channels/${encodeURIComponent(channel)}/events`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id, data }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    if (res.status >= 300) throw new Error(`publish ${id} to ${channel}: HTTP ${res.status} ${body}`);
    return JSON.parse(body);
  }

  /** A user's presence from presence-service's read-only HTTP API ({status, connections, reason, ...}). */
  async userPresence(userId) {
    const res = await fetch(`http://127.0.0.1:${this.presenceHttpPort}/presence/users/${encodeURIComponent(userId)}`,
      { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`presence of ${userId}: HTTP ${res.status} ${body}`);
    return JSON.parse(body);
  }

  /** Open connections on every live connection node, summed over transports (`mesh_connections_active`). */
  activeConnections() {
    return this.counter('mesh_connections_active');
  }

  /** A meter of the live connection nodes, summed over nodes and tags. */
  async counter(name) {
    let total = 0;
    for (const node of this.connections.filter((n) => n.alive)) {
      const text = await node.metrics();
      for (const line of text.split('\n')) {
        if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  async stop() {
    await Promise.all(this.services.map(async (s) => {
      if (!s.alive) return;
      s.child.kill('SIGTERM');
      const timer = setTimeout(() => s.child.kill('SIGKILL'), 5_000);
      await s.exited;
      clearTimeout(timer);
    }));
  }
}

/* ------------------------------------------------------------------------------------------- load balancer */

/**
 * A same-origin HTTP + WebSocket balancer in front of the connection nodes, like nginx in production: every request
 * goes to the first backend that accepts a TCP connection (so the page fails over when its node dies). With
 * `refuseUpgrades`, WebSocket upgrades get 403 (a proxy that blocks WebSocket). It also serves `/__harness/blank`,
 * a page of the same origin that does not connect.
 */
export class Balancer {
  constructor(backends) {
    this.backends = backends; // [{httpPort, alive}]
    this.refuseUpgrades = false;
    this.upgrades = 0;
    this.refused = 0;
    this.sockets = new Set();
    this.tunnels = new Set();
  }

  async start() {
    this.server = http.createServer((req, res) => this.#request(req, res));
    this.server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
    this.origin = `http://127.0.0.1:${this.port}`;
    return this;
  }

  #connect(onSocket, onFail, i = 0) {
    if (i >= this.backends.length) return onFail(new Error('no backend accepted the connection'));
    const backend = this.backends[i];
    const socket = net.connect(backend.httpPort, '127.0.0.1');
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => socket.destroy());
      onSocket(socket);
    });
    socket.once('error', () => this.#connect(onSocket, onFail, i + 1));
  }

  #request(req, res) {
    if (req.url.startsWith('/__harness/blank')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end('<!doctype html><title>blank</title><p>another page of the same origin</p>');
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.#connect((socket) => {
        const upstream = http.request({
          createConnection: () => socket, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' },
        }, (up) => {
          res.writeHead(up.statusCode, up.headers);
          res.flushHeaders();
          up.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        res.on('close', () => socket.destroy());
        upstream.end(body);
      }, () => {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('no backend');
      });
    });
  }

  #upgrade(req, client, head) {
    if (this.refuseUpgrades) {
      this.refused++;
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.upgrades++;
    this.#connect((upstream) => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(`${raw}\r\n`);
      if (head?.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
      const tunnel = { client, upstream, silent: false, page: new URL(req.url, 'http://x').searchParams.get('page') };
      this.tunnels.add(tunnel);
      // A dead node ends its half: the browser sees the socket die at once (unless the tunnel went silent).
      const drop = () => {
        this.tunnels.delete(tunnel);
        upstream.destroy();
        if (!tunnel.silent) client.destroy();
      };
      upstream.on('close', drop).on('error', drop);
      client.on('close', () => {
        drop();
        client.destroy();
      }).on('error', () => client.destroy());
    }, () => client.destroy());
  }

  /**
   * The open WebSockets of one page (by its page id; every page when null) go silent, like a network that drops
   * packets (or a machine asleep): nothing passes in either direction and nothing is closed, so each side sees a
   * half-open connection until its heartbeat says so. Returns how many went silent.
   */
  silenceWebSockets(pageId = null) {
    let n = 0;
    for (const tunnel of this.tunnels) {
      if (tunnel.silent || (pageId !== null && tunnel.page !== pageId)) continue;
      tunnel.silent = true;
      n++;
      tunnel.upstream.unpipe(tunnel.client);
      tunnel.client.unpipe(tunnel.upstream);
      tunnel.upstream.on('data', () => {}).resume();
      tunnel.client.on('data', () => {}).resume();
    }
    return n;
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => {
      this.server.close(resolve);
    });
  }
}

/* ------------------------------------------------------------------------------------------------- browser */

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
  '--disable-dev-shm-usage', '--window-size=1100,760', '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
];

/**
 * Starts Chromium itself (not through playwright's launch(), which pins every page visible and disables the
 * back/forward cache) and connects over CDP with `noDefaults`, so pages can be hidden, frozen and cached.
 */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-chromium-'));
  const logFile = path.join(LOG_DIR, 'chromium.log');
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const out = fs.openSync(logFile, 'w');
  const child = spawn(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', out, out], detached: true,
  });
  fs.closeSync(out);
  track(child, true, profile);
  const portFile = path.join(profile, 'DevToolsActivePort');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(portFile) || fs.readFileSync(portFile, 'utf8').split('\n').length < 2) {
    if (child.exitCode !== null) throw new Error(`chromium exited at start (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`chromium did not open its DevTools port in 30 s; see ${logFile}`);
    await sleep(100);
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]);
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { noDefaults: true });
  const context = browser.contexts()[0];
  for (const p of context.pages()) await p.close().catch(() => {});
  return {
    browser,
    context,
    async close() {
      await browser.close().catch(() => {});
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/* ---------------------------------------------------------------------------------------------- test helpers */

/** Polls `fn` until it returns a truthy value; fails with `what` and the last value after `timeoutMs`. */
export async function until(what, fn, timeoutMs = 15_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * Runs `body` and, if it throws, saves a screenshot of every open page to target/browser-screenshots/ (named after
 * the test) before rethrowing.
 */
export async function screenshotOnFailure(t, context, body) {
  try {
    return await body();
  } catch (err) {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const base = t.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
    let i = 0;
    for (const page of context.pages()) {
      const file = path.join(SCREENSHOT_DIR, `${base}${i ? `-${i}` : ''}.png`);
      i++;
      try {
        await page.screenshot({ path: file, timeout: 5_000 });
        t.diagnostic(`screenshot: ${path.relative(REPO_ROOT, file)}`);
      } catch (e) {
        t.diagnostic(`no screenshot of ${page.url()}: ${e.message}`);
      }
    }
    throw err;
  }
}

/** Whether `cmd` is on the PATH (for the clear skip reasons). */
export function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
