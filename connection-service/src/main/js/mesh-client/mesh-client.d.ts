/**
 * TypeScript declarations of mesh-client.js, the browser client of Mesh (protocol 1, docs/PROTOCOL.md).
 */

/** Version of the client, equal to the Mesh version that serves it. */
export const VERSION: string;

/** The wire protocol the client speaks (`welcome.protocol`). */
export const PROTOCOL_VERSION: 1;

/** The epoch of a channel with no history yet; a position in it continues into the channel's first epoch. */
export const UNBORN_EPOCH: '0';

export type MeshState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closing' | 'closed' | 'failed';

/** Every state, in no particular order. */
export const STATES: readonly MeshState[];

/** Close codes of PROTOCOL.md 5.1. 4000-4499 (and 1xxx) reconnect; 4500-4999 are terminal. */
export const CloseCodes: Readonly<{
  NORMAL: 1000;
  GOING_AWAY: 1001;
  ABNORMAL: 1006;
  PROTOCOL_ERROR: 1002;
  MESSAGE_TOO_BIG: 1009;
  INTERNAL_ERROR: 1011;
  HEARTBEAT_TIMEOUT: 4000;
  ROTATED: 4001;
  SLOW_CONSUMER: 4002;
  TOKEN_EXPIRED: 4003;
  NODE_FULL: 4004;
  NO_QUORUM: 4005;
  /** Refused before authentication: the node admits new connections at its rate; come back after the hint. */
  DEFERRED: 4006;
  UNAUTHORIZED: 4500;
  FORBIDDEN: 4501;
  POLICY_VIOLATION: 4502;
  TOO_MANY_CONNECTIONS: 4503;
  REPLACED: 4504;
  KICKED: 4505;
  BAD_IDENTITY: 4506;
  /** Refused at open: a newer attempt of this page is registered (this one was given up); the client stops silently. */
  STALE_ATTEMPT: 4507;
}>;

/** Codes of the server's `error` frames (PROTOCOL 3.4). */
export const ErrorCodes: Readonly<{
  MALFORMED_JSON: 'malformed-json';
  UNKNOWN_TYPE: 'unknown-type';
  MISSING_FIELD: 'missing-field';
  INVALID_FIELD: 'invalid-field';
  UNSUPPORTED_FRAME: 'unsupported-frame';
  RATE_LIMITED: 'rate-limited';
  FORBIDDEN: 'forbidden';
  TOO_MANY_SUBSCRIPTIONS: 'too-many-subscriptions';
  NOT_SUBSCRIBED: 'not-subscribed';
  UNAVAILABLE: 'unavailable';
  TOO_LARGE: 'too-large';
  TOO_MANY_CHANNELS: 'too-many-channels';
  UNKNOWN_CONNECTION: 'unknown-connection';
}>;

/** A code of the server's `error` frames. */
export type ServerErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Codes of the errors the client raises itself (see MeshClientErrorCode). */
export const ClientErrorCodes: Readonly<{
  TIMEOUT: 'timeout';
  OUTBOX_FULL: 'outbox-full';
  FAILED: 'failed';
  CLOSED: 'closed';
  MAX_ATTEMPTS: 'max-attempts';
  UNAUTHORIZED: 'unauthorized';
  UNSUPPORTED_PROTOCOL: 'unsupported-protocol';
  INVALID_CHANNEL: 'invalid-channel';
  INVALID_DATA: 'invalid-data';
  INVALID_ID: 'invalid-id';
  UNSUBSCRIBED: 'unsubscribed';
  AUTH_FAILED: 'auth-failed';
  TICKET_FAILED: 'ticket-failed';
  NETWORK_ERROR: 'network-error';
  CONNECT_TIMEOUT: 'connect-timeout';
  TRANSPORT: 'transport';
  MALFORMED_FRAME: 'malformed-frame';
  LISTENER: 'listener';
}>;

/**
 * Reasons of an `unsubscribed` frame the client did not ask for (PROTOCOL 3.3): `server`, the server ended the
 * subscription (an integration called `mesh.connection.unsubscribe` or the server API's `unsubscribe`).
 */
export const UnsubscribeReasons: Readonly<{
  SERVER: 'server';
}>;

/** Why the server ended a subscription ('unsubscribed' event). */
export type UnsubscribeReason = (typeof UnsubscribeReasons)[keyof typeof UnsubscribeReasons];

/** Default values of the numeric and transport options. */
export const DEFAULTS: Readonly<{
  transport: 'auto';
  sseFallbackAfter: 3;
  maxAttempts: 10;
  backoffBaseMs: 1000;
  backoffMaxMs: 30000;
  backoffJitter: 0.2;
  firstRetrySpreadMs: 5000;
  hintJitter: 0.1;
  healthyAfterMs: 10000;
  connectTimeoutMs: 10000;
  heartbeatIntervalMs: 25000;
  heartbeatTimeoutMs: 10000;
  publishTimeoutMs: 10000;
  outboxLimit: 1000;
  closeTimeoutMs: 1000;
  retryUnavailableMs: 1000;
  criticalMemory: 1000;
}>;

/**
 * Error codes the client uses itself, next to the server's error codes (PROTOCOL 3.4: `forbidden`, `rate-limited`,
 * ...) and the names of terminal close codes (`too-many-connections`, `kicked`, `terminal-<code>`, ...).
 */
export type MeshClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];

/** What a MeshError carries besides its code and message; each is set on the error when defined. */
export interface MeshErrorDetails {
  /** Becomes the standard `Error.cause`. */
  cause?: unknown;
  closeCode?: number;
  id?: string;
  channel?: string;
  retryAfterMs?: number;
  status?: number;
  text?: string;
}

export class MeshError extends Error {
  constructor(code: MeshClientErrorCode | ServerErrorCode | (string & {}), message: string, details?: MeshErrorDetails);
  readonly name: 'MeshError';
  /** A MeshClientErrorCode, a server error code, or the name of a terminal close code. */
  readonly code: MeshClientErrorCode | ServerErrorCode | (string & {});
  /** The close code, for errors caused by a terminal close. */
  readonly closeCode?: number;
  /** The request or message id the error answers. */
  readonly id?: string;
  readonly channel?: string;
  readonly retryAfterMs?: number;
  /** HTTP status, for a failed ticket request. */
  readonly status?: number;
  /** The text of the frame, for `malformed-frame`. */
  readonly text?: string;
}

/** Position of an event in a channel's history (PROTOCOL 6.1). Epochs are opaque and compared for equality. */
export interface Position {
  epoch: string;
  seq: number;
}

/** Delay of reconnect attempt `attempt` (1-based): min(base * 2^(attempt-1), max) * U(1 - jitter, 1 + jitter). */
export function backoffDelay(
  attempt: number,
  random?: () => number,
  options?: { backoffBaseMs?: number; backoffMaxMs?: number; backoffJitter?: number },
): number;

/**
 * Delay before a reconnect attempt (PROTOCOL 5.3): a server hint `h` waits h * U(1, 1 + hintJitter); the first attempt
 * after a close seen on the network (1006, or a reconnect-range code without a hint) waits U(0, firstRetrySpreadMs)
 * unless `spread` is false (the client's own heartbeat detection); otherwise backoffDelay(attempt).
 */
export function reconnectDelay(
  cause: { attempt: number; hint?: number | null; spread?: boolean },
  random: () => number,
  options?: {
    backoffBaseMs?: number; backoffMaxMs?: number; backoffJitter?: number; firstRetrySpreadMs?: number; hintJitter?: number;
  },
): number;

/** 128 random bits as 22 characters of base64url without padding. */
export function randomId(getRandomValues?: (bytes: Uint8Array) => unknown): string;

/** SSE resume token (PROTOCOL 7.2): `<channel>~<epoch>:<seq>` items joined by `|`. */
export function formatResumeToken(positions: Iterable<readonly [string, Position | null | undefined]>): string;
export function parseResumeToken(token: string | null | undefined): Map<string, Position>;

/** Whether a client reconnects after this close code (false for 4500-4999). */
export function shouldReconnect(code: number): boolean;

/** Why getToken()/getTicket() is asked. */
export type TokenReason = 'connect' | 'token-expiring' | 'token-expired' | 'unauthorized';

/** Minimal shapes of what the client uses from its environment (all injectable for tests and Node). */
export interface WebSocketLike {
  readonly readyState: number;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (e: { data?: unknown; lastEventId?: string }) => void): void;
  close(): void;
}
export interface EventTargetLike {
  addEventListener(type: string, listener: (e: any) => void): void;
  removeEventListener(type: string, listener: (e: any) => void): void;
}
export interface ResponseLike {
  readonly status: number;
  json(): Promise<any>;
  text(): Promise<string>;
}
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface MeshClientOptions {
  /** Base URL of connection-service (`http(s)://host[:port][/prefix]`; `ws(s)://` is accepted). Default: location.origin. */
  url?: string;
  /** Session id (`session` query parameter), 1-64 of `A-Z a-z 0-9 _ -`. Default: a random id kept in sessionStorage. */
  sessionId?: string;
  /**
   * Returns the JWT. Asked before every connection attempt (a ticket is fetched with it from POST /auth/ticket),
   * on `token-expiring` (sent as `refresh`), and for SSE POSTs. Without it and without getTicket, the cookie is used.
   */
  getToken?: (context: { reason: TokenReason; expiresAt?: string }) => string | null | Promise<string | null>;
  /** Returns a single-use ticket for each attempt, instead of the client asking POST /auth/ticket. */
  getTicket?: (context: { reason: TokenReason; token: string | null }) => string | Promise<string>;
  /** 'auto' (WebSocket, SSE after sseFallbackAfter failures before any welcome), 'websocket' or 'sse'. */
  transport?: 'auto' | 'websocket' | 'sse';
  /** Consecutive WebSocket attempts ending before a welcome (none ever welcomed) before switching to SSE. Default 3. */
  sseFallbackAfter?: number;
  /** Reconnect attempts after which the client is `failed` until retry(). Default 10. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  backoffJitter?: number;
  /**
   * The first reconnect after a close seen on the network (1006, or a reconnect-range code without a retry hint)
   * waits U(0, firstRetrySpreadMs), so that the pages of a node that died do not all come back in the same second.
   * Default 5 s; 0 turns the spread off (the first attempt then waits backoffDelay(1)).
   */
  firstRetrySpreadMs?: number;
  /** A server retry hint `h` is waited as h * U(1, 1 + hintJitter): never sooner than asked. Default 0.1. */
  hintJitter?: number;
  /** Connected this long, the attempt counter resets. Default 10 s. */
  healthyAfterMs?: number;
  /** An attempt without a welcome after this long is abandoned. Default 10 s. */
  connectTimeoutMs?: number;
  /** Application ping interval. Default 25 s. Over SSE, at most the server's `heartbeat.intervalMs`. */
  heartbeatIntervalMs?: number;
  /** No pong this long after a ping: the connection is dead (closed with 4000). Default 10 s. */
  heartbeatTimeoutMs?: number;
  /** A publish without `published` after this long is rejected with `timeout`. Default 10 s. */
  publishTimeoutMs?: number;
  /** Publishes waiting at most (queued or in flight); beyond it publish() rejects with `outbox-full`. Default 1,000. */
  outboxLimit?: number;
  /** close() reaches `closed` after this long even if the socket never reports its end. Default 1 s. */
  closeTimeoutMs?: number;
  /** Delay before a frame answered `unavailable` is sent again (same id). Default 1 s. */
  retryUnavailableMs?: number;
  /** Seqs of critical events remembered per channel for dedupe (PROTOCOL 6.5). Default 1,000. */
  criticalMemory?: number;

  WebSocket?: new (url: string) => WebSocketLike;
  EventSource?: new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;
  fetch?: (url: string, init: Record<string, unknown>) => Promise<ResponseLike>;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: any) => void;
  now?: () => number;
  /** U(0, 1) for the jitter. */
  random?: () => number;
  getRandomValues?: (bytes: Uint8Array) => unknown;
  /** null disables storage (ids are then new per client). */
  sessionStorage?: StorageLike | null;
  /** Receives pagehide, pageshow, online, offline. null disables them. */
  window?: EventTargetLike | null;
  /** Receives visibilitychange and has visibilityState. null disables it. */
  document?: (EventTargetLike & { visibilityState?: string }) | null;
  location?: { origin: string };
}

/** Detail of a 'state' event: one per transition. */
export interface StateChange {
  state: MeshState;
  previous: MeshState;
  /**
   * Why: 'connect', 'retry', 'welcome', 'reconnected', 'close', 'pagehide', 'pageshow', 'offline', 'online',
   * 'visible', 'max-attempts', 'unsupported-protocol', a close-code name ('network-error', 'server-shutdown',
   * 'heartbeat-timeout', 'rotated', 'token-expired', 'node-full', 'replaced', 'kicked', 'too-many-connections', ...),
   * 'connect-timeout', 'socket-not-open', or the code of a failed credential request.
   */
  reason: string;
  /** The close code that caused it, when one did. */
  code?: number | null;
  /** Reconnect attempt number (reconnecting, connected). */
  attempt?: number;
  /** Wait before the attempt (reconnecting); null while offline (waiting for `online`). */
  delayMs?: number | null;
  /** failed (and closed by kick): what went wrong. */
  error?: MeshError;
  /** connected: */
  transport?: 'websocket' | 'sse';
  connectionId?: string;
  nodeId?: string;
  userId?: string;
}

export interface ReconnectScheduled {
  reason: string;
  code: number | null | undefined;
  attempt: number;
  delayMs: number;
}

/**
 * An event as surfaced to the application: each (channel, epoch, seq) once, whether it came in an `event` frame or in
 * an `events` batch. Fields of the frame the client does not interpret are passed through as they are.
 */
export interface MeshEvent<T = unknown> {
  channel: string;
  epoch: string;
  seq: number;
  /** The publisher's message id. */
  id: string | null;
  ts: string | null;
  data: T;
  /** Critical events are acked once every 'event' listener has returned (and its returned promise resolved). */
  critical: boolean;
  /**
   * Who published it, as the server attests: the verified user id (`sub`) of the publishing connection's token.
   * null for an event a backend service published. Never taken from the publisher's data: show this, not a name
   * inside `data`.
   */
  userId: string | null;
  /** The connection it was published from (with `userId`); null for a backend service's event. */
  connectionId: string | null;
}

export interface PresenceMember {
  userId: string;
  state: 'present' | 'reconnecting';
  info: Record<string, unknown> | null;
}

export interface PresenceChange {
  channel: string;
  action: 'snapshot' | 'join' | 'leave' | 'reconnecting';
  member: { userId: string; info: Record<string, unknown> | null } | null;
  /** The member list after the change. */
  members: PresenceMember[];
  /** snapshot only: */
  joined?: boolean;
  count?: number;
  truncated?: boolean;
}

export interface Subscribed {
  channel: string;
  position: Position | null;
  /** Members when subscribed with presence, else null. */
  presence: PresenceMember[] | null;
}

export interface Published {
  id: string;
  channel: string;
  epoch: string;
  seq: number;
  /** True when the server matched an earlier publish of the same id (a retry). */
  duplicate: boolean;
}

export interface ResetInfo {
  channel: string;
  reason: 'epoch-changed' | 'position-too-old';
  /** The new position: the application reloads the channel's state up to it. */
  position: Position;
  previous: Position | null;
}

/**
 * The server ended a subscription without the client asking: the channel is no longer in `channels`, its pending
 * subscribe() promises reject with `unsubscribed`, and no reconnect subscribes it again. Whether subscribe() may
 * take it back is the server's authorisation to decide.
 */
export interface UnsubscribedInfo {
  channel: string;
  reason: UnsubscribeReason;
}

export interface GapInfo {
  channel: string;
  dropped: number;
  /** false: announced by the server (`gap` frame); true: an unannounced jump in seq seen by the client. */
  detected: boolean;
}

export interface MeshEventMap {
  state: StateChange;
  reconnect: ReconnectScheduled;
  event: MeshEvent;
  subscribed: Subscribed;
  unsubscribed: UnsubscribedInfo;
  reset: ResetInfo;
  gap: GapInfo;
  presence: PresenceChange;
  duplicate: { channel: string; seq: number; id: string | null; critical: boolean };
  error: MeshError;
  pong: { id: string | null; rttMs: number };
  disconnect: { code: number; reason: string; goodbye: Record<string, unknown> | null; transport: 'websocket' | 'sse' };
  goodbye: { type: 'goodbye'; code: number; reason: string; retryAfterMs?: number; message?: string };
  'token-expiring': { expiresAt: string | null; refreshBy: string | null };
  'token-refreshed': { expiresAt: string | null };
  network: { online: boolean };
  transport: { transport: 'sse'; reason: 'websocket-failed'; failures: number };
}

export class MeshClient {
  constructor(options?: MeshClientOptions);

  readonly state: MeshState;
  /** True only while connected (enable the send button); publish() queues in any state but failed/closed. */
  readonly canSend: boolean;
  readonly transport: 'websocket' | 'sse';
  readonly sessionId: string;
  /** Kept in sessionStorage: the same across reloads of the tab. */
  readonly tabId: string;
  /** New per page load and per back/forward-cache restore. */
  readonly pageId: string;
  /** Of the current connection, null when not connected. */
  readonly connectionId: string | null;
  readonly nodeId: string | null;
  /** From the last welcome. */
  readonly userId: string | null;
  /** Reconnect attempts since the last healthy connection. */
  readonly attempt: number;
  /** When the next reconnect attempt starts (epoch ms), or null. */
  readonly nextRetryAt: number | null;
  readonly lastError: MeshError | null;
  /** Since an `offline` event and until `online`. */
  readonly offline: boolean;
  /** Publishes waiting for their acknowledgement. */
  readonly pending: number;
  /** Channels kept subscribed, the own `user:<userId>` channel included once known. */
  readonly channels: string[];

  /** The last position surfaced for a channel. */
  position(channel: string): Position | null;
  /** Presence members of a channel subscribed with presence. */
  members(channel: string): PresenceMember[];

  /** Adds a listener; returns a function that removes it. A listener of 'event' may return a Promise (acks wait). */
  on<K extends keyof MeshEventMap>(type: K, listener: (detail: MeshEventMap[K]) => unknown): () => void;
  off<K extends keyof MeshEventMap>(type: K, listener: (detail: MeshEventMap[K]) => unknown): void;

  /** idle/closed -> connecting; from failed, same as retry(). */
  connect(): void;
  /** Starts again at once with a fresh attempt counter (from failed, reconnecting or closed). */
  retry(): void;
  /** Intentional close (1000): closing -> closed. Pending publishes are rejected; subscriptions are kept. */
  close(): void;

  /** Keeps the channel subscribed across reconnects; resolves at the next `subscribed` for it. */
  subscribe(channel: string, options?: { presence?: boolean; info?: Record<string, unknown> }): Promise<Subscribed>;
  /**
   * Resolves true once the server confirmed (or at once when not connected, or when its subscribe was still waiting for
   * a rate token and so was never sent). A subscription the server ends by itself is reported by the 'unsubscribed'
   * event instead.
   */
  unsubscribe(channel: string): Promise<boolean>;
  /**
   * Queued while not connected (bounded by outboxLimit), sent once per connection with a unique id, retried with the
   * same id after a reconnect, resolved by `published`; rejected on timeout, when failed or closed, or on an error.
   * Like every frame, it waits its turn for a token of the rate limit announced in `welcome.limits` (PROTOCOL 3.4).
   */
  publish<T = unknown>(channel: string, data: T, options?: { critical?: boolean; timeoutMs?: number; id?: string }): Promise<Published>;
  /**
   * Sends an application ping now, even when frames wait for a rate token (PROTOCOL 3.4); a missing pong within
   * heartbeatTimeoutMs reconnects.
   */
  ping(): void;
}
