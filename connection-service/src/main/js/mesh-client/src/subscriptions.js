// Subscriptions and resume positions (PROTOCOL 6): what the client keeps subscribed across reconnects, the last
// position of each channel, dedupe by (channel, epoch, seq), acks of critical events, presence members, and the
// subscribe/unsubscribe requests in flight.

import { ClientErrorCodes, ErrorCodes, MeshError, UnsubscribeReasons } from './codes.js';
import { CHANNEL_RE } from './util.js';

/** @typedef {import('../mesh-client.js').MeshEventMap} MeshEventMap */
/** @typedef {import('../mesh-client.js').MeshEvent} MeshEvent */
/** @typedef {import('../mesh-client.js').Position} Position */
/** @typedef {import('../mesh-client.js').PresenceMember} PresenceMember */
/** @typedef {import('../mesh-client.js').Subscribed} Subscribed */
/** @typedef {import('./websocket.js').Frame} Frame */

/**
 * One channel the client keeps subscribed. `sentOn` and `subscribedOn` hold the connection generation (one per
 * welcome) on which the subscribe was sent (or the SSE URL subscribed it) and answered; `queued` is its subscribe
 * while that waits its turn in the pacer, `ackQueued` its ack.
 * @typedef {object} Subscription
 * @property {string} channel
 * @property {boolean} presence
 * @property {Record<string, unknown> | undefined} info
 * @property {Position | null} position the last position surfaced
 * @property {{ resolve: (s: Subscribed) => void, reject: (e: MeshError) => void }[]} waiters subscribe() promises
 * @property {number} sentOn
 * @property {number} subscribedOn
 * @property {Map<string, PresenceMember> | null} members
 * @property {Set<number>} critical seqs of critical events surfaced in this epoch (bounded)
 * @property {Set<number>} inflight critical seqs whose handlers have not finished
 * @property {Set<number>} done critical seqs handled but not yet acked
 * @property {number} ackSent highest seq acked in this epoch
 * @property {number} connMax highest seq delivered on this connection (the server refuses acks above it)
 * @property {boolean} gapAnnounced the server announced the next jump in seq with a `gap`
 * @property {import('./pacer.js').Paced | null} queued
 * @property {import('./pacer.js').Paced | null} ackQueued
 * @property {boolean} ackForce the waiting ack re-acks a redelivered duplicate (see #flushAck)
 */

/**
 * @typedef {{ kind: 'subscribe', channel: string, frame: object }
 *   | { kind: 'unsubscribe', channel: string, resolve: (confirmed: boolean) => void }} PendingRequest
 */

/**
 * What the subscriptions need from the connection.
 * @typedef {object} SubscriptionsHost
 * @property {import('./util.js').Emitter<MeshEventMap>['emit']} emit
 * @property {(frame: object) => boolean} send sends on the current connection once welcomed
 * @property {import('./pacer.js').Pacer} pacer every frame waits its turn in it (PROTOCOL 3.4)
 * @property {() => number} connGen the current connection's generation
 * @property {() => boolean} connected whether the client is connected
 * @property {(prefix: string) => string} nextId a request id
 * @property {(ms: number, fn: () => void) => void} later runs `fn` after `ms` if still on the same connection
 * @property {number} criticalMemory seqs of critical events remembered per channel
 */

/**
 * The event surfaced to the application for one `event` frame, or one item of an `events` frame given its batch's
 * channel and epoch: the one place an event is read off the wire. Fields the client does not interpret (such as
 * server-attested publisher fields) pass through as they are.
 * @param {Frame} f
 * @returns {MeshEvent}
 */
export function eventFromFrame(f) {
  const { type, ...fields } = f;
  return {
    ...fields, channel: f.channel, epoch: f.epoch, seq: f.seq, id: f.id ?? null, ts: f.ts ?? null, data: f.data,
    critical: f.critical === true, userId: f.userId ?? null, connectionId: f.connectionId ?? null,
  };
}

/** The epoch of a channel with no history yet (PROTOCOL 6.1): a position in it continues into the first epoch. */
export const UNBORN_EPOCH = '0';

export class Subscriptions {
  /** @type {Map<string, Subscription>} */
  #subs = new Map();
  /** @type {Map<string, PendingRequest>} */
  #requests = new Map();
  /** @type {string | null} */
  #userChannel = null;
  /** the server ended the own user channel's subscription: not subscribed again until the application asks */
  #userChannelEnded = false;
  /** @type {Map<Subscription, boolean> | null} acks held back while an `events` batch is delivered (sub -> force) */
  #heldAcks = null;
  #host;

  /** @param {SubscriptionsHost} host */
  constructor(host) {
    this.#host = host;
  }

  /** Channels kept subscribed. */
  get channels() {
    return [...this.#subs.keys()];
  }

  /** Every subscription, in subscription order (for the SSE URL). */
  values() {
    return this.#subs.values();
  }

  /**
   * @param {string} channel
   * @returns {Position | null}
   */
  position(channel) {
    const p = this.#subs.get(channel)?.position;
    return p ? { epoch: p.epoch, seq: p.seq } : null;
  }

  /**
   * @param {string} channel
   * @returns {PresenceMember[]}
   */
  members(channel) {
    const m = this.#subs.get(channel)?.members;
    return m ? [...m.values()].map((x) => ({ ...x })) : [];
  }

  /**
   * @param {string} channel
   * @param {{ presence?: boolean, info?: Record<string, unknown> }} [options]
   * @returns {Promise<Subscribed>}
   */
  subscribe(channel, { presence = false, info = undefined } = {}) {
    if (typeof channel !== 'string' || !CHANNEL_RE.test(channel)) {
      return Promise.reject(new MeshError(ClientErrorCodes.INVALID_CHANNEL, `invalid channel name: ${channel}`));
    }
    let sub = this.#subs.get(channel);
    if (!sub) this.#subs.set(channel, (sub = newSubscription(channel)));
    if (channel === this.#userChannel) this.#userChannelEnded = false;
    const addsPresence = presence && !sub.presence;
    if (presence) sub.presence = true;
    if (info !== undefined) sub.info = info;
    const connected = this.#host.connected();
    const gen = this.#host.connGen();
    if (connected && sub.subscribedOn === gen && !addsPresence) {
      return Promise.resolve(this.#subscribedResult(sub));
    }
    const waiters = sub.waiters;
    /** @type {Promise<Subscribed>} */
    const promise = new Promise((resolve, reject) => {
      waiters.push({ resolve, reject });
    });
    if (connected && (sub.sentOn !== gen || addsPresence)) this.#sendSubscribe(sub);
    return promise;
  }

  /**
   * @param {string} channel
   * @returns {Promise<boolean>}
   */
  unsubscribe(channel) {
    const sub = this.#subs.get(channel);
    if (!sub) return Promise.resolve(false);
    this.#subs.delete(channel);
    rejectWaiters(sub, new MeshError(ClientErrorCodes.UNSUBSCRIBED, `unsubscribed from ${channel}`));
    const pacer = this.#host.pacer;
    pacer.cancel(sub.queued); // a subscribe still waiting its turn is never sent
    pacer.cancel(sub.ackQueued);
    if (!this.#host.connected() || sub.sentOn !== this.#host.connGen()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const id = this.#host.nextId('u');
      this.#requests.set(id, { kind: 'unsubscribe', channel, resolve });
      pacer.send(() => {
        if (!this.#requests.has(id)) return false; // the connection ended meanwhile: done
        if (!this.#host.send({ type: 'unsubscribe', id, channel })) {
          this.#requests.delete(id);
          resolve(true);
        }
        return true;
      });
    });
  }

  /**
   * On welcome, before the client is connected: the own user channel, and the channels the SSE URL subscribed.
   * @param {string} userId
   * @param {Set<string> | null} urlChannels
   * @param {number} gen the new connection's generation
   */
  welcomed(userId, urlChannels, gen) {
    const userChannel = `user:${userId}`;
    if (this.#userChannel && this.#userChannel !== userChannel) {
      this.#subs.delete(this.#userChannel);
      this.#userChannelEnded = false;
    }
    this.#userChannel = userChannel;
    if (!this.#subs.has(userChannel) && !this.#userChannelEnded) this.#subs.set(userChannel, newSubscription(userChannel));
    if (urlChannels) {
      for (const ch of urlChannels) {
        const sub = this.#subs.get(ch);
        if (sub) sub.sentOn = gen;
      }
    }
  }

  /**
   * Once connected: subscribes (with its position) every channel not yet sent on this connection, the user channel
   * first, in this order through the pacer (ahead of the outbox's publishes, which the client queues after them).
   * Stops if the connection changes meanwhile.
   * @param {number} gen
   * @returns {boolean} whether the connection is still `gen`
   */
  resubscribe(gen) {
    const user = this.#userChannel ? this.#subs.get(this.#userChannel) : undefined;
    if (user && user.sentOn !== gen) this.#sendSubscribe(user);
    for (const sub of this.#subs.values()) {
      if (this.#host.connGen() !== gen) return false;
      if (sub.sentOn !== gen) this.#sendSubscribe(sub);
    }
    return true;
  }

  /** The connection or attempt ended: requests in flight are forgotten (an unsubscribe counts as done). */
  connectionEnded() {
    for (const req of this.#requests.values()) if (req.kind === 'unsubscribe') req.resolve(true);
    this.#requests.clear();
  }

  /** @param {MeshError} error */
  rejectAllWaiters(error) {
    for (const sub of this.#subs.values()) rejectWaiters(sub, error);
  }

  /**
   * Subscribes on this connection in its turn in the pacer: the frame is made when it goes out, so it carries the
   * position, presence and info of that moment, and is not sent at all if the subscription was dropped meanwhile. One
   * subscribe per subscription waits at a time.
   * @param {Subscription} sub
   */
  #sendSubscribe(sub) {
    const pacer = this.#host.pacer;
    if (pacer.waiting(sub.queued)) return;
    const gen = this.#host.connGen();
    const paced = () => {
      if (this.#subs.get(sub.channel) !== sub || this.#host.connGen() !== gen) return false;
      const id = this.#host.nextId('s');
      /** @type {Record<string, unknown>} */
      const frame = { type: 'subscribe', id, channel: sub.channel };
      if (sub.position) frame.position = { epoch: sub.position.epoch, seq: sub.position.seq };
      if (sub.presence) frame.presence = true;
      if (sub.presence && sub.info !== undefined) frame.info = sub.info;
      sub.sentOn = gen;
      this.#requests.set(id, { kind: 'subscribe', channel: sub.channel, frame });
      this.#host.send(frame);
      return true;
    };
    sub.queued = paced;
    pacer.send(paced);
  }

  /**
   * @param {Subscription} sub
   * @returns {Subscribed}
   */
  #subscribedResult(sub) {
    return {
      channel: sub.channel,
      position: sub.position ? { ...sub.position } : null,
      presence: sub.members ? this.members(sub.channel) : null,
    };
  }

  /**
   * @param {Subscription} sub
   * @param {Position} position
   */
  #adopt(sub, position) {
    if (!sub.position || sub.position.epoch !== position.epoch) {
      sub.position = { epoch: position.epoch, seq: position.seq };
      newEpoch(sub);
    } else if (position.seq > sub.position.seq) {
      sub.position.seq = position.seq;
    }
  }

  /* -- frames */

  /** @param {Frame} f */
  onSubscribed(f) {
    if (f.id) this.#requests.delete(f.id);
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.position) return;
    const gen = this.#host.connGen();
    // Over SSE a POSTed subscribe is answered twice: in the POST reply and on the stream.
    const repeat = sub.subscribedOn === gen && !f.presence && sub.waiters.length === 0
      && sub.position?.epoch === f.position.epoch;
    this.#adopt(sub, f.position);
    if (repeat) return;
    const firstOnConnection = sub.subscribedOn !== gen;
    sub.subscribedOn = gen;
    sub.sentOn = gen;
    sub.connMax = Math.max(firstOnConnection ? 0 : sub.connMax, f.position.seq);
    if (f.presence) {
      sub.members = new Map();
      for (const m of f.presence.members ?? []) {
        sub.members.set(m.userId, { userId: m.userId, state: m.state ?? 'present', info: m.info ?? null });
      }
      this.#host.emit('presence', {
        channel: sub.channel, action: 'snapshot', member: null, members: this.members(sub.channel),
        joined: f.presence.joined !== false, count: f.presence.count ?? sub.members.size, truncated: !!f.presence.truncated,
      });
    }
    const result = this.#subscribedResult(sub);
    for (const w of sub.waiters.splice(0)) w.resolve(result);
    this.#host.emit('subscribed', result);
    this.#flushAck(sub, false);
  }

  /** @param {Frame} f */
  onUnsubscribed(f) {
    const req = f.id ? this.#requests.get(f.id) : null;
    if (req) {
      this.#requests.delete(f.id);
      if (req.kind === 'unsubscribe') req.resolve(true);
      return;
    }
    if (!f.id && f.reason === UnsubscribeReasons.SERVER) this.#endedByServer(f.channel);
  }

  /**
   * The server ended a subscription the client did not ask to end (PROTOCOL 3.3): it is dropped here too, so that no
   * reconnect subscribes it again, and the application is told. A subscribe of the channel still unanswered was sent
   * after the server ended it: the server subscribes it again, so it is kept.
   * @param {unknown} channel
   */
  #endedByServer(channel) {
    if (typeof channel !== 'string') return;
    const sub = this.#subs.get(channel);
    if (!sub) return;
    for (const req of this.#requests.values()) if (req.kind === 'subscribe' && req.channel === channel) return;
    if (this.#host.pacer.waiting(sub.queued)) return; // a subscribe waiting its turn: it will be sent after the end
    this.#subs.delete(channel);
    if (channel === this.#userChannel) this.#userChannelEnded = true;
    rejectWaiters(sub, new MeshError(ClientErrorCodes.UNSUBSCRIBED, `the server ended the subscription to ${channel}`,
      { channel }));
    this.#host.emit('unsubscribed', { channel, reason: UnsubscribeReasons.SERVER });
  }

  /** @param {Frame} f */
  onReset(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.position) return;
    const previous = sub.position ? { ...sub.position } : null;
    sub.position = { epoch: f.position.epoch, seq: f.position.seq };
    if (!previous || previous.epoch !== f.position.epoch) newEpoch(sub);
    sub.connMax = Math.max(sub.connMax, f.position.seq);
    sub.gapAnnounced = false;
    this.#host.emit('reset', { channel: f.channel, reason: f.reason, position: { ...sub.position }, previous });
  }

  /** @param {Frame} f */
  onGap(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub) return;
    sub.gapAnnounced = true;
    this.#host.emit('gap', { channel: f.channel, dropped: f.dropped ?? 0, detected: false });
  }

  /**
   * A history batch (`events`): each item is delivered exactly as an `event` frame of the batch's channel and epoch
   * would be. Acks due during the batch are sent once, after it (they are cumulative).
   * @param {Frame} f
   * @param {() => boolean} current whether the connection that received the batch is still current and open: a
   *   listener may close the client or drop the connection mid-batch, after which a socket delivers no more frames
   */
  onEvents(f, current) {
    if (!Array.isArray(f.events)) return;
    this.#heldAcks = new Map();
    try {
      for (const item of f.events) {
        if (!current()) break;
        if (item && typeof item === 'object') this.onEvent({ ...item, type: 'event', channel: f.channel, epoch: f.epoch });
      }
    } finally {
      const held = this.#heldAcks;
      this.#heldAcks = null;
      for (const [sub, force] of held) if (this.#subs.get(sub.channel) === sub) this.#flushAck(sub, force);
    }
  }

  /** @param {Frame} f */
  onEvent(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || typeof f.seq !== 'number') return;
    if (!sub.position || sub.position.epoch !== f.epoch) {
      // The server sends `reset` before a new epoch; if one is missed, tell the application all the same. The
      // unborn position ('0', 0: subscribed before the channel had any history) simply continues into the first
      // epoch (PROTOCOL 6.1): nothing was missed, so no reset.
      const previous = sub.position ? { ...sub.position } : null;
      const unborn = previous !== null && previous.epoch === UNBORN_EPOCH && previous.seq === 0;
      sub.position = { epoch: f.epoch, seq: unborn ? 0 : Math.max(0, f.seq - 1) };
      newEpoch(sub);
      if (previous && !unborn) this.#host.emit('reset', { channel: f.channel, reason: 'epoch-changed', position: { ...sub.position }, previous });
    }
    sub.connMax = Math.max(sub.connMax, f.seq);
    const critical = f.critical === true;
    const pos = /** @type {Position} */ (sub.position);
    const fresh = f.seq > pos.seq;
    if (!fresh && !(critical && !sub.critical.has(f.seq))) {
      if (critical) this.#flushAck(sub, true);
      this.#host.emit('duplicate', { channel: f.channel, seq: f.seq, id: f.id ?? null, critical });
      return;
    }
    if (fresh) {
      if (f.seq > pos.seq + 1 && !sub.gapAnnounced) {
        this.#host.emit('gap', { channel: f.channel, dropped: f.seq - pos.seq - 1, detected: true });
      }
      sub.gapAnnounced = false;
      pos.seq = f.seq;
    }
    if (critical) {
      sub.critical.add(f.seq);
      if (sub.critical.size > this.#host.criticalMemory) sub.critical.delete(/** @type {number} */ (sub.critical.values().next().value));
      sub.inflight.add(f.seq);
    }
    const { threw, promises } = this.#host.emit('event', eventFromFrame(f));
    if (!critical) return;
    const epoch = f.epoch;
    if (threw) return this.#criticalFailed(sub, f.seq, epoch);
    if (promises.length === 0) return this.#criticalDone(sub, f.seq, epoch);
    Promise.allSettled(promises).then((results) => {
      if (results.every((r) => r.status === 'fulfilled')) this.#criticalDone(sub, f.seq, epoch);
      else this.#criticalFailed(sub, f.seq, epoch);
    });
  }

  /**
   * @param {Subscription} sub
   * @param {number} seq
   * @param {string} epoch
   */
  #criticalDone(sub, seq, epoch) {
    if (this.#subs.get(sub.channel) !== sub || sub.position?.epoch !== epoch) return;
    sub.inflight.delete(seq);
    sub.done.add(seq);
    this.#flushAck(sub, false);
  }

  /**
   * The handler threw or rejected: no ack. The event stays unacknowledged and is surfaced again on redelivery.
   * @param {Subscription} sub
   * @param {number} seq
   * @param {string} epoch
   */
  #criticalFailed(sub, seq, epoch) {
    if (this.#subs.get(sub.channel) !== sub || sub.position?.epoch !== epoch) return;
    sub.critical.delete(seq);
  }

  /**
   * Sends the cumulative ack, in its turn in the pacer: the highest handled critical seq below every critical still
   * being handled (an ack covers every critical event up to its seq), never above what this connection delivered (the
   * server refuses that). `force` re-acks for a redelivered duplicate, whose earlier ack may have been lost with its
   * connection. One ack per subscription waits at a time; its seq is worked out when it goes out, so acks due while
   * it waits travel in that one frame.
   * @param {Subscription} sub
   * @param {boolean} force
   */
  #flushAck(sub, force) {
    if (this.#heldAcks) {
      this.#heldAcks.set(sub, this.#heldAcks.get(sub) === true || force);
      return;
    }
    const gen = this.#host.connGen();
    if (!this.#host.connected() || sub.subscribedOn !== gen) return;
    const pacer = this.#host.pacer;
    if (pacer.waiting(sub.ackQueued)) {
      sub.ackForce ||= force;
      return;
    }
    if (ackDue(sub, force) <= 0) return;
    sub.ackForce = force;
    const paced = () => {
      if (this.#subs.get(sub.channel) !== sub || sub.subscribedOn !== gen || this.#host.connGen() !== gen) return false;
      const seq = ackDue(sub, sub.ackForce);
      sub.ackForce = false;
      if (seq <= 0) return false;
      if (!this.#host.send({ type: 'ack', channel: sub.channel, seq })) return true;
      sub.ackSent = Math.max(sub.ackSent, seq);
      for (const s of sub.done) if (s <= seq) sub.done.delete(s);
      return true;
    };
    sub.ackQueued = paced;
    pacer.send(paced);
  }

  /** @param {Frame} f */
  onPresence(f) {
    const sub = this.#subs.get(f.channel);
    if (!sub || !f.member?.userId) return;
    if (!sub.members) sub.members = new Map();
    const known = sub.members.get(f.member.userId);
    const info = f.member.info ?? known?.info ?? null;
    if (f.action === 'leave') sub.members.delete(f.member.userId);
    else if (f.action === 'join') sub.members.set(f.member.userId, { userId: f.member.userId, state: 'present', info });
    else if (f.action === 'reconnecting') sub.members.set(f.member.userId, { userId: f.member.userId, state: 'reconnecting', info });
    else return;
    this.#host.emit('presence', { channel: f.channel, action: f.action, member: { userId: f.member.userId, info }, members: this.members(f.channel) });
  }

  /**
   * An `error` answering a subscribe or unsubscribe request. A subscribe refused for now (`retryMs`) is sent again
   * later; refused for good, the subscription is dropped and its subscribe() promises rejected.
   * @param {Frame} f
   * @param {MeshError} error
   * @param {number | null} retryMs
   * @returns {boolean} whether it answered a request and needs no 'error' event
   */
  onRequestError(f, error, retryMs) {
    const req = f.id ? this.#requests.get(f.id) : null;
    if (!req) return false;
    this.#requests.delete(f.id);
    if (req.kind === 'unsubscribe') {
      req.resolve(f.code === ErrorCodes.NOT_SUBSCRIBED);
      return true;
    }
    const sub = this.#subs.get(req.channel);
    if (!sub) return false;
    if (retryMs != null) {
      this.#host.later(retryMs, () => {
        if (this.#subs.get(req.channel) === sub) this.#sendSubscribe(sub);
      });
      return true;
    }
    this.#subs.delete(req.channel);
    if (sub.waiters.length === 0) return false;
    rejectWaiters(sub, error);
    return true;
  }
}

/**
 * @param {string} channel
 * @returns {Subscription}
 */
function newSubscription(channel) {
  return {
    channel, presence: false, info: undefined, position: null, waiters: [], sentOn: -1, subscribedOn: -1,
    members: null, critical: new Set(), inflight: new Set(), done: new Set(), ackSent: 0, connMax: 0,
    gapAnnounced: false, queued: null, ackQueued: null, ackForce: false,
  };
}

/**
 * The seq the next ack of a subscription carries, 0 if none is due (see Subscriptions#flushAck).
 * @param {Subscription} sub
 * @param {boolean} force
 * @returns {number}
 */
function ackDue(sub, force) {
  let limit = Infinity;
  for (const s of sub.inflight) limit = Math.min(limit, s);
  let seq = 0;
  for (const s of sub.done) if (s < limit && s <= sub.connMax && s > seq) seq = s;
  if (force) seq = Math.max(seq, Math.min(sub.ackSent, sub.connMax, limit - 1));
  return seq <= 0 || (!force && seq <= sub.ackSent) ? 0 : seq;
}

/**
 * A new epoch: seqs of the old one mean nothing any more.
 * @param {Subscription} sub
 */
function newEpoch(sub) {
  sub.critical.clear();
  sub.inflight.clear();
  sub.done.clear();
  sub.ackSent = 0;
  sub.connMax = 0;
}

/**
 * @param {Subscription} sub
 * @param {MeshError} error
 */
function rejectWaiters(sub, error) {
  for (const w of sub.waiters.splice(0)) w.reject(error);
}
