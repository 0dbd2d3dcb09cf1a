// The client's options: defaults and the checks made at construction.

import { ID_RE } from './util.js';

/** @typedef {import('../mesh-client.js').MeshClientOptions} MeshClientOptions */
/**
 * The options with every default filled in.
 * @typedef {MeshClientOptions & { [K in keyof typeof DEFAULTS]-?: NonNullable<MeshClientOptions[K]> }} Options
 */

/** Default values of the numeric and transport options. */
export const DEFAULTS = Object.freeze({
  transport: /** @type {'auto'} */ ('auto'),
  sseFallbackAfter: 3,
  maxAttempts: 10,
  backoffBaseMs: 1000,
  backoffMaxMs: 30000,
  backoffJitter: 0.2,
  firstRetrySpreadMs: 5000,
  hintJitter: 0.1,
  healthyAfterMs: 10000,
  connectTimeoutMs: 10000,
  heartbeatIntervalMs: 25000,
  heartbeatTimeoutMs: 10000,
  publishTimeoutMs: 10000,
  outboxLimit: 1000,
  closeTimeoutMs: 1000,
  retryUnavailableMs: 1000,
  criticalMemory: 1000,
});

/**
 * The options with defaults for those not given (an option given as undefined keeps its default).
 * @param {MeshClientOptions} options
 * @returns {Options}
 */
export function resolveOptions(options) {
  /** @type {Record<string, unknown>} */
  const o = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = v;
  const resolved = /** @type {Options} */ (/** @type {unknown} */ (o));
  if (!['auto', 'websocket', 'sse'].includes(resolved.transport)) {
    throw new TypeError(`transport must be 'auto', 'websocket' or 'sse', not ${resolved.transport}`);
  }
  if (resolved.sessionId !== undefined && !ID_RE.test(resolved.sessionId)) {
    throw new TypeError('sessionId must be 1-64 characters of A-Z a-z 0-9 _ -');
  }
  return resolved;
}
