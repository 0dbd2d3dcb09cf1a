// How long to wait before a reconnect attempt (PROTOCOL 5.3).

import { DEFAULTS } from './options.js';

/**
 * @typedef {object} BackoffOptions
 * @property {number} [backoffBaseMs]
 * @property {number} [backoffMaxMs]
 * @property {number} [backoffJitter]
 * @property {number} [firstRetrySpreadMs]
 * @property {number} [hintJitter]
 */

/**
 * Delay before reconnect attempt `attempt` (1 for the first): min(base * 2^(attempt-1), max), then multiplied by
 * U(1 - jitter, 1 + jitter). The jitter comes after the cap so that clients at the cap do not synchronise.
 * @param {number} attempt
 * @param {() => number} [random] U(0, 1)
 * @param {BackoffOptions} [options]
 * @returns {number}
 */
export function backoffDelay(attempt, random = Math.random, options = {}) {
  const base = options.backoffBaseMs ?? DEFAULTS.backoffBaseMs;
  const max = options.backoffMaxMs ?? DEFAULTS.backoffMaxMs;
  const jitter = options.backoffJitter ?? DEFAULTS.backoffJitter;
  const capped = Math.min(base * 2 ** Math.max(0, attempt - 1), max);
  return Math.round(capped * (1 - jitter + 2 * jitter * random()));
}

/**
 * Delay before a reconnect attempt, by what ended the connection or attempt before it:
 * - a server hint (`retryAfterMs`, `retry-after=<ms>`): honoured, plus a small jitter (hint * U(1, 1 + hintJitter))
 *   so that pages given the same hint do not return together;
 * - the first attempt after a close seen on the network (1006, or a reconnect-range code without a hint):
 *   U(0, firstRetrySpreadMs), so that the pages of a node that died do not all return within the same second
 *   (0 turns the spread off);
 * - otherwise, and from the second attempt on: backoffDelay.
 * Closes that mean "at once" (4001 rotated, 4003 token expired, a socket found dead on return to the page, pageshow,
 * online) do not come here: their delay is 0.
 * @param {{ attempt: number, hint?: number | null, spread?: boolean }} cause `spread` false for the client's own
 *   detection (a missed pong), which each page makes at its own heartbeat phase
 * @param {() => number} random U(0, 1)
 * @param {BackoffOptions} [options]
 * @returns {number}
 */
export function reconnectDelay({ attempt, hint = null, spread = true }, random, options = {}) {
  if (hint != null) {
    const jitter = options.hintJitter ?? DEFAULTS.hintJitter;
    return Math.round(hint * (1 + jitter * random()));
  }
  const spreadMs = options.firstRetrySpreadMs ?? DEFAULTS.firstRetrySpreadMs;
  if (attempt === 1 && spread && spreadMs > 0) return Math.round(spreadMs * random());
  return backoffDelay(attempt, random, options);
}
