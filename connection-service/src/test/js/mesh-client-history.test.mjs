// Unit tests of history batches (`events` frames, PROTOCOL 6.2): each event of a batch is delivered exactly as the same
// event in its own `event` frame would be: same dedupe by (channel, epoch, seq), same acks, same resume position.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { setup } from './fakes.mjs';

const TS = '2026-12-01T10:00:00.000Z';

/** Connected client subscribed to chat:lobby at (E1, 41); returns the socket. */
async function subscribedTo(h, position = { epoch: 'E1', seq: 41 }) {
  const ws = await h.connect();
  const done = h.client.subscribe('chat:lobby');
  const frame = ws.sentOfType('subscribe').find((f) => f.channel === 'chat:lobby');
  ws.receive({ type: 'subscribed', id: frame.id, channel: 'chat:lobby', position });
  await done;
  return ws;
}

/** One event as it sits in a batch: an `event` frame minus type, channel and epoch. */
function item(seq, extra = {}) {
  return { seq, id: `m${seq}`, ts: TS, data: { n: seq }, ...extra };
}

function batch(items, epoch = 'E1', channel = 'chat:lobby') {
  return { type: 'events', channel, epoch, events: items };
}

/** The same events as single `event` frames. */
function singles(frame) {
  return frame.events.map((e) => ({ type: 'event', channel: frame.channel, epoch: frame.epoch, ...e }));
}

/** Everything a client surfaced or sent, to compare two clients fed the same events differently. */
function observed(h, ws) {
  const duplicates = [];
  return {
    duplicates,
    snapshot: () => ({
      events: h.events, duplicates, gaps: h.gaps, resets: h.resets, errors: h.errors.map((e) => e.code),
      acks: ws.sentOfType('ack'), position: h.client.position('chat:lobby'),
    }),
  };
}

describe('history batches (events frames)', () => {
  test('a batch surfaces, dedupes, detects gaps and moves the position exactly as single event frames do', async () => {
    // Replay overlapping what was delivered, a duplicate inside the batch, a jump in seq, critical events and an
    // event of another channel: the two clients must agree on everything.
    const frames = [
      { type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm42', ts: TS, data: { n: 42 } },
      batch([item(41), item(42), item(43, { critical: true }), item(43, { critical: true }), item(44), item(47),
        item(48, { critical: true })]),
      batch([item(49)], 'E1', 'chat:other'),
      batch([item(48, { critical: true }), item(49)]),
    ];
    const results = [];
    for (const asSingles of [false, true]) {
      const h = setup();
      const ws = await subscribedTo(h);
      const o = observed(h, ws);
      h.client.on('duplicate', (d) => o.duplicates.push(d));
      for (const f of frames) {
        for (const frame of asSingles && f.type === 'events' ? singles(f) : [f]) ws.receive(frame);
      }
      await h.clock.tick(0);
      results.push(o.snapshot());
    }
    const [batched, single] = results;
    assert.deepEqual(batched.events, single.events);
    assert.deepEqual(batched.events.map((e) => e.seq), [42, 43, 44, 47, 48, 49]);
    assert.deepEqual(batched.duplicates, single.duplicates);
    assert.deepEqual(batched.duplicates.map((d) => d.seq), [41, 42, 43, 48]);
    assert.deepEqual(batched.gaps, single.gaps);
    assert.deepEqual(batched.gaps, [{ channel: 'chat:lobby', dropped: 2, detected: true }]);
    assert.deepEqual(batched.position, single.position);
    assert.deepEqual(batched.position, { epoch: 'E1', seq: 49 });
    assert.deepEqual(batched.errors, []);
    // Acks end at the same place; a batch sends its acks once, after the batch (acks are cumulative).
    assert.deepEqual(batched.acks.at(-1), single.acks.at(-1));
    assert.deepEqual(batched.acks.at(-1), { type: 'ack', channel: 'chat:lobby', seq: 48 });
  });

  test('each event of a batch carries the batch\'s channel and epoch and its own fields, like an event frame', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(batch([item(42, { userId: 'bob' }), item(43, { critical: true })]));
    assert.deepEqual(h.events, [
      // userId and connectionId: the attested publisher (PROTOCOL 3.3), null when the batch item has none.
      { channel: 'chat:lobby', epoch: 'E1', seq: 42, id: 'm42', ts: TS, data: { n: 42 }, critical: false, userId: 'bob', connectionId: null },
      { channel: 'chat:lobby', epoch: 'E1', seq: 43, id: 'm43', ts: TS, data: { n: 43 }, critical: true, userId: null, connectionId: null },
    ]);
  });

  test('critical events of a batch: one cumulative ack, sent once every handler of the batch has finished', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    const finish = new Map();
    h.client.on('event', (e) => new Promise((resolve) => {
      finish.set(e.seq, resolve);
    }));
    ws.receive(batch([item(42, { critical: true }), item(43, { critical: true }), item(44, { critical: true })]));
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), [], 'no ack while the handlers run');
    finish.get(44)();
    finish.get(43)();
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), [], '42 is still being handled');
    finish.get(42)();
    await h.clock.tick(0);
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 44 }]);
  });

  test('synchronous handlers: a batch of 100 critical events sends one ack, not 100 (acks cost rate tokens)', async () => {
    const h = setup();
    const ws = await subscribedTo(h, { epoch: 'E1', seq: 0 });
    ws.receive(batch(Array.from({ length: 100 }, (_, i) => item(i + 1, { critical: true }))));
    assert.equal(h.events.length, 100);
    assert.deepEqual(ws.sentOfType('ack'), [{ type: 'ack', channel: 'chat:lobby', seq: 100 }]);
  });

  test('a redelivered critical batch is not surfaced again but re-acked once', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(batch([item(42, { critical: true }), item(43, { critical: true })]));
    ws.receive(batch([item(42, { critical: true }), item(43, { critical: true })]));
    assert.deepEqual(h.events.map((e) => e.seq), [42, 43]);
    assert.deepEqual(ws.sentOfType('ack'), [
      { type: 'ack', channel: 'chat:lobby', seq: 43 }, { type: 'ack', channel: 'chat:lobby', seq: 43 },
    ]);
  });

  test('the resume position after a batch is its last event: the next subscribe resumes from it', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(batch([item(42), item(43), item(44)]));
    ws.drop();
    await h.clock.tick(h.reconnects.at(-1).delayMs);
    const next = await h.welcomeNext();
    const sub = next.sentOfType('subscribe').find((f) => f.channel === 'chat:lobby');
    assert.deepEqual(sub.position, { epoch: 'E1', seq: 44 });
  });

  test('a batch of a new epoch resets like an event of a new epoch', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive(batch([item(1), item(2)], 'E2'));
    assert.deepEqual(h.resets, [{
      channel: 'chat:lobby', reason: 'epoch-changed', position: { epoch: 'E2', seq: 0 }, previous: { epoch: 'E1', seq: 41 },
    }]);
    assert.deepEqual(h.events.map((e) => `${e.epoch}:${e.seq}`), ['E2:1', 'E2:2']);
  });

  test('a listener that closes the client mid-batch: the rest of the batch is not delivered, as later frames would not be', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    h.client.on('event', (e) => {
      if (e.seq === 43) h.client.close();
    });
    ws.receive(batch([item(42), item(43), item(44)]));
    assert.deepEqual(h.events.map((e) => e.seq), [42, 43]);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E1', seq: 43 });
  });

  test('malformed batches are ignored: no array, or items that are not objects', async () => {
    const h = setup();
    const ws = await subscribedTo(h);
    ws.receive({ type: 'events', channel: 'chat:lobby', epoch: 'E1', events: 'nope' });
    ws.receive({ type: 'events', channel: 'chat:lobby', epoch: 'E1' });
    ws.receive(batch([null, 7, item(42), { seq: 'x' }]));
    assert.deepEqual(h.events.map((e) => e.seq), [42]);
    assert.equal(h.client.state, 'connected');
  });

  test('over SSE a batch is a named `events` event on the stream', async () => {
    const h = setup({ transport: 'sse' });
    h.client.connect();
    await h.clock.tick(0);
    h.es.welcome();
    await h.clock.tick(0);
    const done = h.client.subscribe('chat:lobby');
    await h.clock.tick(0);
    const post = h.fetch.ssePosts('subscribe').find((c) => c.body.channel === 'chat:lobby');
    h.es.receive({ type: 'subscribed', id: post.body.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 41 } });
    await done;
    h.es.receive(batch([item(42), item(43)]), 'chat:lobby~E1:43');
    assert.deepEqual(h.events.map((e) => e.seq), [42, 43]);
    assert.deepEqual(h.client.position('chat:lobby'), { epoch: 'E1', seq: 43 });
  });
});
