// The demo page: a chat room on chat:lobby that shows what the connection is doing.
// Query parameters (for trying things out and for the browser tests):
//   ?user=<name>         join at once under that name
//   ?transport=sse       force a transport ('auto' by default: WebSocket, SSE when WebSocket cannot connect)
//   ?heartbeat=<ms>      client ping interval (the pong timeout is the same, at most 10 s)
import { MeshClient, randomId } from './mesh-client.js';

const CHANNEL = 'chat:lobby';
const NAME_RE = /^[A-Za-z0-9_-]{1,32}$/;
const USER_KEY = 'mesh.demo.user';
const params = new URLSearchParams(location.search);
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

/** Counters shown on the page (and read by the browser tests through window.meshDemo). */
const stats = { received: 0, gaps: 0, resets: 0, duplicates: 0 };
/** Every state transition: {state, reason, at}. */
const states = [];
/** Rendered messages by message id: one element per id, whatever arrives twice. */
const rendered = new Map();

let client = null;
let user = null;
let presenceAvailable = null; // unknown until the first `subscribed`
let countdown = null;

/* ---------------------------------------------------------------------------------------------- joining */

const form = $('join-form');
const nameInput = $('name-input');
nameInput.value = params.get('user') ?? sessionStorage.getItem(USER_KEY) ?? `guest-${Math.floor(1000 + Math.random() * 9000)}`;
form.addEventListener('submit', (e) => {
  e.preventDefault();
  join(nameInput.value.trim());
});

function join(name) {
  if (!NAME_RE.test(name)) return showJoinError('A name is 1-32 letters, digits, _ or -.');
  user = name;
  sessionStorage.setItem(USER_KEY, name);
  form.hidden = true;
  $('room').hidden = false;
  $('user').textContent = name;
  start();
}

function showJoinError(text) {
  const el = $('join-error');
  el.textContent = text;
  el.hidden = false;
}

/* ----------------------------------------------------------------------------------------------- client */

let token = null;
let tokenValidUntil = 0;

/** Demo tokens come from GET /demo/token (only with MESH_DEMO_TOKENS=true); kept until a minute before expiry. */
async function getToken({ reason }) {
  if (token && reason === 'connect' && Date.now() < tokenValidUntil) return token;
  const res = await fetch(`/demo/token?user=${encodeURIComponent(user)}`, { cache: 'no-store' });
  if (res.status === 404) {
    throw new Error('this server hands out no demo tokens: start it with MESH_DEMO_TOKENS=true (./mesh run does)');
  }
  if (!res.ok) throw new Error(`GET /demo/token answered ${res.status}`);
  const body = await res.json();
  token = body.token;
  tokenValidUntil = Date.now() + (body.expiresInSeconds ?? 3600) * 1000 - 60_000;
  return token;
}

function start() {
  const heartbeat = Number(params.get('heartbeat')) || undefined;
  client = new MeshClient({
    getToken,
    transport: params.get('transport') ?? 'auto',
    heartbeatIntervalMs: heartbeat,
    heartbeatTimeoutMs: heartbeat && Math.min(heartbeat, 10_000),
  });
  window.meshDemo = { client, stats, states, send, rendered };

  client.on('state', (change) => {
    states.push({ state: change.state, reason: change.reason, at: Date.now() });
    // A scheduled reconnect is logged by the 'reconnect' event that follows, with its delay.
    if (!(change.state === 'reconnecting' && change.delayMs != null)) log(`${change.state} (${change.reason})`);
    render();
  });
  client.on('reconnect', ({ attempt, delayMs, reason }) => {
    log(`reconnecting: attempt ${attempt} in ${(delayMs / 1000).toFixed(1)} s (${reason})`);
    render();
  });
  client.on('network', render);
  client.on('event', (e) => {
    if (e.channel !== CHANNEL) return;
    stats.received++;
    showMessage({ id: e.id, seq: e.seq, data: e.data, ts: e.ts, publisher: e.userId, pending: false });
    renderStats();
  });
  client.on('gap', ({ channel }) => {
    if (channel !== CHANNEL) return;
    stats.gaps++;
    log(`gap detected on ${channel}`);
    renderStats();
  });
  client.on('reset', ({ channel, reason }) => {
    if (channel !== CHANNEL) return;
    stats.resets++;
    log(`history reset on ${channel} (${reason}): earlier messages may be missing`);
    renderStats();
  });
  client.on('duplicate', () => stats.duplicates++);
  client.on('subscribed', ({ channel, presence }) => {
    if (channel !== CHANNEL) return;
    presenceAvailable = presence !== null;
    renderMembers();
  });
  client.on('presence', ({ channel }) => channel === CHANNEL && renderMembers());
  client.on('unsubscribed', ({ channel, reason }) => log(`unsubscribed from ${channel} (${reason})`));
  client.on('error', (err) => log(`error: ${err.message}`));

  client.connect();
  client.subscribe(CHANNEL, { presence: true, info: { name: user } })
    .catch((err) => log(`could not subscribe to ${CHANNEL}: ${err.message}`));
  render();
}

$('retry-button').addEventListener('click', () => client?.retry());

$('send-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('send-input');
  const text = input.value.trim();
  if (!text || !client?.canSend) return;
  input.value = '';
  send(text);
});

/** Publishes a chat message; it shows as pending until the server has it (queued while not connected). */
async function send(text) {
  const id = randomId();
  showMessage({ id, seq: null, data: { text }, ts: null, publisher: user, pending: true });
  renderStats();
  try {
    const published = await client.publish(CHANNEL, { text }, { id });
    settle(id, { seq: published.seq });
  } catch (err) {
    settle(id, { failed: err.message });
  } finally {
    renderStats();
  }
  return id;
}

/* ---------------------------------------------------------------------------------------------- rendering */

function render() {
  if (!client) return;
  renderBanner();
  renderStats();
  const connected = client.canSend;
  $('send-input').disabled = !connected;
  $('send-button').disabled = !connected;
  $('transport').textContent = client.transport === 'sse' ? 'SSE (fallback)' : 'WebSocket';
  $('node').textContent = client.nodeId ? client.nodeId.slice(0, 8) : '-';
  renderMembers();
}

function renderBanner() {
  const banner = $('banner');
  const state = client.state;
  const last = states[states.length - 1];
  let text;
  let action = null;
  switch (state) {
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'connected':
      text = `Connected (${client.transport === 'sse' ? 'SSE' : 'WebSocket'})`;
      break;
    case 'reconnecting':
      if (client.offline) {
        text = 'Offline: waiting for the network…';
      } else if (client.nextRetryAt !== null && client.nextRetryAt > Date.now()) {
        text = `Reconnecting in ${Math.ceil((client.nextRetryAt - Date.now()) / 1000)} s…`;
        action = 'Retry now';
      } else {
        text = 'Reconnecting…';
      }
      break;
    case 'closing':
      text = 'Closing…';
      break;
    case 'closed':
      text = last?.reason === 'replaced' ? 'Disconnected: this page continues on a newer connection' : 'Disconnected';
      action = 'Connect';
      break;
    case 'failed':
      text = `Failed: ${client.lastError?.message ?? last?.reason ?? 'unknown error'}`;
      action = 'Retry';
      break;
    default:
      text = 'Not connected';
  }
  banner.dataset.state = client.offline && state === 'reconnecting' ? 'offline' : state;
  $('banner-text').textContent = text;
  const button = $('retry-button');
  button.hidden = action === null;
  if (action) button.textContent = action;

  // A live countdown while a reconnect is scheduled.
  const counting = state === 'reconnecting' && client.nextRetryAt !== null;
  if (counting && countdown === null) countdown = setInterval(renderBanner, 250);
  if (!counting && countdown !== null) {
    clearInterval(countdown);
    countdown = null;
  }
}

function renderStats() {
  $('received').textContent = String(stats.received);
  $('gaps').textContent = String(stats.gaps);
  $('resets').textContent = String(stats.resets);
  $('pending').textContent = String(client?.pending ?? 0);
  $('gaps').classList.toggle('bad', stats.gaps > 0);
}

function renderMembers() {
  const list = $('members');
  // Yourself as your own client sees it (the server's view of you is stale while you are not connected).
  const self = { userId: user, state: client.canSend ? 'present' : client.state, info: null };
  const members = (presenceAvailable ? client.members(CHANNEL) : []).filter((m) => m.userId !== user);
  members.push(self);
  members.sort((a, b) => (a.userId === user ? -1 : b.userId === user ? 1 : a.userId.localeCompare(b.userId)));
  list.replaceChildren(...members.map((m) => {
    const li = document.createElement('li');
    li.dataset.testid = 'member';
    li.dataset.user = m.userId;
    li.dataset.state = m.state;
    li.textContent = (m.info?.name ?? m.userId) + (m.userId === user ? ' (you)' : '');
    if (m.state === 'reconnecting') {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = 'reconnecting';
      li.append(' ', badge);
    }
    return li;
  }));
  $('presence-note').hidden = presenceAvailable !== false;
}

/**
 * One chat line. The name shown is the publisher the server attests (`userId` of the event: the sender's verified
 * token), never a name inside the message, which the sender could have made up; 'server' for a backend's event.
 */
function showMessage({ id, seq, data, ts, publisher, pending }) {
  const known = id ? rendered.get(id) : null;
  if (known) return settle(id, { seq });
  const li = document.createElement('li');
  li.dataset.testid = 'message';
  if (id) li.dataset.id = id;
  if (seq !== null) li.dataset.seq = String(seq);
  li.dataset.pending = String(pending);
  const from = document.createElement('b');
  from.textContent = typeof publisher === 'string' ? publisher : 'server';
  const text = document.createElement('span');
  text.textContent = typeof data?.text === 'string' ? data.text : JSON.stringify(data);
  const time = document.createElement('time');
  time.textContent = new Date(ts ?? Date.now()).toLocaleTimeString();
  li.append(from, ' ', text, ' ', time);
  if (publisher === user) li.classList.add('own');
  if (id) rendered.set(id, li);
  const list = $('messages');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.append(li);
  if (atBottom) list.scrollTop = list.scrollHeight;
  return li;
}

function settle(id, { seq = null, failed = null }) {
  const li = rendered.get(id);
  if (!li) return;
  if (seq !== null && seq !== undefined) li.dataset.seq = String(seq);
  li.dataset.pending = 'false';
  if (failed) {
    li.dataset.failed = 'true';
    li.title = `not sent: ${failed}`;
  }
}

function log(text) {
  const list = $('log');
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  list.prepend(li);
  while (list.children.length > 12) list.lastChild.remove();
}

// A name given in the URL, or the one this tab joined with before a reload, joins at once.
if (params.has('user') || sessionStorage.getItem(USER_KEY)) join(nameInput.value.trim());
