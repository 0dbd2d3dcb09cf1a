// Close codes, error codes and the client's error type: the one place the client spells them. ClientCodesTest (Java,
// connection-service) checks CloseCodes and ErrorCodes against the server's CloseCode and ErrorCode enums.

/** @typedef {import('../mesh-client.js').MeshClientErrorCode} MeshClientErrorCode */

/** Close codes of PROTOCOL 5.1 (dev.mesh.common.protocol.CloseCode; ABNORMAL is only ever observed, never sent). */
export const CloseCodes = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  HEARTBEAT_TIMEOUT: 4000,
  ROTATED: 4001,
  SLOW_CONSUMER: 4002,
  TOKEN_EXPIRED: 4003,
  NODE_FULL: 4004,
  NO_QUORUM: 4005,
  DEFERRED: 4006,
  UNAUTHORIZED: 4500,
  FORBIDDEN: 4501,
  POLICY_VIOLATION: 4502,
  TOO_MANY_CONNECTIONS: 4503,
  REPLACED: 4504,
  KICKED: 4505,
  BAD_IDENTITY: 4506,
  STALE_ATTEMPT: 4507,
});

/** Codes of the server's `error` frames (PROTOCOL 3.4). */
export const ErrorCodes = Object.freeze({
  MALFORMED_JSON: 'malformed-json',
  UNKNOWN_TYPE: 'unknown-type',
  MISSING_FIELD: 'missing-field',
  INVALID_FIELD: 'invalid-field',
  UNSUPPORTED_FRAME: 'unsupported-frame',
  RATE_LIMITED: 'rate-limited',
  FORBIDDEN: 'forbidden',
  TOO_MANY_SUBSCRIPTIONS: 'too-many-subscriptions',
  NOT_SUBSCRIBED: 'not-subscribed',
  UNAVAILABLE: 'unavailable',
  TOO_LARGE: 'too-large',
  TOO_MANY_CHANNELS: 'too-many-channels',
  UNKNOWN_CONNECTION: 'unknown-connection',
});

/** Codes of the errors the client raises itself (MeshError.code), next to the server's and the close-code names. */
export const ClientErrorCodes = Object.freeze({
  TIMEOUT: 'timeout',
  OUTBOX_FULL: 'outbox-full',
  FAILED: 'failed',
  CLOSED: 'closed',
  MAX_ATTEMPTS: 'max-attempts',
  UNAUTHORIZED: 'unauthorized',
  UNSUPPORTED_PROTOCOL: 'unsupported-protocol',
  INVALID_CHANNEL: 'invalid-channel',
  INVALID_DATA: 'invalid-data',
  INVALID_ID: 'invalid-id',
  UNSUBSCRIBED: 'unsubscribed',
  AUTH_FAILED: 'auth-failed',
  TICKET_FAILED: 'ticket-failed',
  NETWORK_ERROR: 'network-error',
  CONNECT_TIMEOUT: 'connect-timeout',
  TRANSPORT: 'transport',
  MALFORMED_FRAME: 'malformed-frame',
  LISTENER: 'listener',
});

/**
 * Reasons of an `unsubscribed` frame the client did not ask for (PROTOCOL 3.3): the server ended the subscription
 * (an integration called mesh.connection.unsubscribe or the server API's `unsubscribe`).
 */
export const UnsubscribeReasons = Object.freeze({
  SERVER: 'server',
});

/** Names of close codes as the client reports them (state reasons, MeshError codes of terminal closes). */
const CLOSE_CODE_NAMES = new Map([
  [1000, 'normal'], [1001, 'server-shutdown'], [1002, 'protocol-error'], [1006, 'network-error'],
  [1009, 'message-too-big'],
  [1011, 'internal-error'], [4000, 'heartbeat-timeout'], [4001, 'rotated'], [4002, 'slow-consumer'],
  [4003, 'token-expired'], [4004, 'node-full'], [4005, 'no-quorum'], [4006, 'deferred'],
  [4500, 'unauthorized'],
  [4501, 'forbidden'],
  [4502, 'policy-violation'], [4503, 'too-many-connections'], [4504, 'replaced'], [4505, 'kicked'],
  [4506, 'bad-identity'], [4507, 'stale-attempt'],
]);

const TERMINAL_MESSAGES = new Map([
  [4500, 'the server rejected the credentials of this connection'],
  [4501, 'the server does not allow this user to connect'],
  [4502, 'the server closed the connection for repeated protocol abuse'],
  [4503, 'this user has too many open connections: close another tab, then retry'],
  [4506, 'the session, tab or page id sent by the client was refused (a client bug)'],
]);

const RETRY_AFTER_RE = /^retry-after=(\d+)$/;

/**
 * Whether the client reconnects after this close code (everything outside 4500-4999).
 * @param {number} code
 * @returns {boolean}
 */
export function shouldReconnect(code) {
  return !(code >= 4500 && code <= 4999);
}

/**
 * The name of a close code; an unknown code is named by its range. No code at all is a network error.
 * @param {number | null | undefined} code
 * @returns {string}
 */
export function closeCodeName(code) {
  if (code == null) return 'network-error';
  return CLOSE_CODE_NAMES.get(code) ?? (shouldReconnect(code) ? `closed-${code}` : `terminal-${code}`);
}

/**
 * What to tell the user about a terminal close code.
 * @param {number} code
 * @returns {string}
 */
export function terminalMessage(code) {
  return TERMINAL_MESSAGES.get(code) ?? `the server closed the connection with terminal code ${code}`;
}

/**
 * The retry-after hint of a close reason (PROTOCOL 5.2: exactly `retry-after=<ms>`), or null.
 * @param {unknown} reason
 * @returns {number | null}
 */
export function parseRetryAfter(reason) {
  const m = typeof reason === 'string' ? RETRY_AFTER_RE.exec(reason) : null;
  return m ? Number(m[1]) : null;
}

/**
 * The close reason carrying a retry-after hint.
 * @param {number} ms
 * @returns {string}
 */
export function retryAfterReason(ms) {
  return `retry-after=${ms}`;
}

/** @typedef {import('../mesh-client.js').MeshErrorDetails} MeshErrorDetails */

/** An error with a stable `code` (a protocol error code, a close-code name, or one of the client's own). */
export class MeshError extends Error {
  /**
   * @param {MeshClientErrorCode | (string & {})} code
   * @param {string} message
   * @param {MeshErrorDetails} [details] set on the error when defined; `cause` becomes the standard cause
   */
  constructor(code, message, details = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    /** @type {'MeshError'} */
    this.name = 'MeshError';
    this.code = code;
    if (details.closeCode !== undefined) this.closeCode = details.closeCode;
    if (details.id !== undefined) this.id = details.id;
    if (details.channel !== undefined) this.channel = details.channel;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.status !== undefined) this.status = details.status;
    if (details.text !== undefined) this.text = details.text;
  }
}
