// The pacer: every frame the client sends on a connection goes through one token bucket per connection, in one FIFO,
// paced to the rate limit the server announces in `welcome.limits` (PROTOCOL 3.1, 3.4). The server counts every
// frame it reads (subscribe, unsubscribe, publish, ack, ping, refresh, close) against one bucket per connection and
// answers the excess with `rate-limited`, past the flood allowance with abuse strikes and then 4502: a reconnect that
// resubscribes many channels while resending a full outbox would otherwise overflow it. The heartbeat ping and an SSE
// connection's closing `close` skip the queue (client.js); the half of the burst the pacer leaves covers them. Without
// limits (an older server) nothing waits.

/**
 * A frame waiting its turn: called when a token is there, it builds and sends its frame then (so a subscribe carries
 * the position of that moment). Returns false when it sent nothing (no longer wanted): it then takes no token.
 * @typedef {() => boolean} Paced
 */

/**
 * What the pacer needs from the connection.
 * @typedef {object} PacerHost
 * @property {() => number} connGen the current connection's generation
 * @property {(ms: number, fn: () => void) => void} later runs `fn` after `ms` if still on the same connection
 * @property {() => ({ ratePerSecond: number, rateBurst: number } | null)} limits the current welcome's, null if none
 * @property {() => number} now the clock the timers run on
 */

export class Pacer {
  #host;
  /** @type {Set<Paced>} the frames waiting for a token, in send order (a Set: FIFO, each waits at most once) */
  #queue = new Set();
  #gen = -1;
  #tokens = 0;
  #refilledAt = 0;
  #drainScheduled = false;
  #resets = 0;

  /** @param {PacerHost} host */
  constructor(host) {
    this.#host = host;
  }

  /**
   * Sends at once if nothing waits and a token is there; else queues behind what waits.
   * @param {Paced} paced
   * @returns {Paced} the same, a handle for waiting() and cancel()
   */
  send(paced) {
    this.#forCurrent().add(paced);
    this.#drain();
    return paced;
  }

  /**
   * Whether it still waits its turn on the current connection.
   * @param {Paced | null | undefined} paced
   */
  waiting(paced) {
    return paced != null && this.#forCurrent().has(paced);
  }

  /**
   * Takes it out of the queue; true if it was waiting.
   * @param {Paced | null | undefined} paced
   */
  cancel(paced) {
    return paced != null && this.#forCurrent().delete(paced);
  }

  /** The connection ended: what waits is forgotten (its owners send it again on the next one if still wanted). */
  reset() {
    this.#gen = -1;
    this.#queue.clear();
    this.#drainScheduled = false; // the old connection's timer is dropped by `later`
    this.#resets++;
  }

  /** The queue of the current connection: the server's bucket is per connection, a new one starts full and empty. */
  #forCurrent() {
    const gen = this.#host.connGen();
    if (this.#gen !== gen) {
      this.reset();
      this.#gen = gen;
      this.#tokens = Infinity; // capped to the capacity by the first #tokenWait
      this.#refilledAt = this.#host.now();
    }
    return this.#queue;
  }

  /** Sends waiting frames while there are tokens; then, if some still wait, comes back when the next token is due. */
  #drain() {
    const announced = this.#host.limits(); // an older server announces none: no pacing
    const limits = announced && announced.ratePerSecond > 0 && announced.rateBurst > 0 ? announced : null;
    const resets = this.#resets;
    for (const paced of this.#queue) {
      const waitMs = limits ? this.#tokenWait(limits) : 0;
      if (waitMs > 0) {
        if (!this.#drainScheduled) {
          this.#drainScheduled = true;
          this.#host.later(waitMs, () => {
            this.#drainScheduled = false;
            if (this.#gen === this.#host.connGen()) this.#drain();
          });
        }
        return;
      }
      this.#queue.delete(paced);
      if (limits) this.#tokens -= 1; // before it runs: a send that drains again re-entrantly sees it taken
      if (!paced() && limits) this.#tokens += 1;
      if (this.#resets !== resets) return; // sending ended the connection (a socket found closed)
    }
  }

  /**
   * Refills the bucket; 0 if a token is there, else the milliseconds until the next one. Half the server's burst:
   * the other half absorbs frames that reach the server closer together than they were sent (a network stall
   * releases them at once), the unpaced heartbeat ping and the `close` of an SSE connection; 80 % of its rate:
   * headroom for late timers.
   * @param {{ ratePerSecond: number, rateBurst: number }} limits
   */
  #tokenWait({ ratePerSecond, rateBurst }) {
    const capacity = Math.max(1, Math.floor(rateBurst / 2));
    const perSecond = ratePerSecond * 0.8;
    const now = this.#host.now();
    this.#tokens = Math.min(capacity, this.#tokens + ((now - this.#refilledAt) * perSecond) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / perSecond));
  }
}
