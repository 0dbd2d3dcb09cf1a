// Where the client connects and who it says it is (PROTOCOL 1.1, 2.4): the base URL, the session/tab/page ids, and
// the single-use ticket each attempt gets from POST /auth/ticket.

import { ClientErrorCodes, MeshError } from './codes.js';
import { ID_RE, safe } from './util.js';

/** @typedef {import('./util.js').Env} Env */

/** sessionStorage keys of the ids kept across reloads of a tab. */
export const TAB_KEY = 'mesh.tabId';
export const SESSION_KEY = 'mesh.sessionId';

/**
 * The HTTP(S) base URL of connection-service, without trailing slash: the `url` option (`ws(s)://` accepted), else
 * the page's origin.
 * @param {string | undefined} url
 * @param {Env['location']} location
 * @returns {string}
 */
export function httpBase(url, location) {
  let base = url ?? location?.origin;
  if (!base) throw new TypeError('url is required outside a browser');
  base = String(base).replace(/\/+$/, '');
  return base.replace(/^ws(s?):/i, 'http$1:');
}

/**
 * An id kept in sessionStorage (the same across reloads of the tab), made when missing or malformed.
 * @param {Env['sessionStorage']} storage
 * @param {string} key
 * @param {() => string} newId
 * @returns {string}
 */
export function storedId(storage, key, newId) {
  const id = safe(() => storage?.getItem(key));
  if (id && ID_RE.test(id)) return id;
  const fresh = newId();
  safe(() => storage?.setItem(key, fresh));
  return fresh;
}

/**
 * The identity query parameters of `/ws` and `/sse`. `attempt` numbers the attempts of one page from 1: the server
 * never lets an older attempt that it admits late displace a newer one of the page (PROTOCOL 1.3).
 * @param {{ sessionId: string, tabId: string, pageId: string, attempt?: number }} ids
 * @returns {URLSearchParams}
 */
export function identityParams({ sessionId, tabId, pageId, attempt }) {
  const q = new URLSearchParams({ session: sessionId, tab: tabId, page: pageId });
  if (attempt != null) q.set('attempt', String(attempt));
  return q;
}

/**
 * A single-use ticket for one connection attempt (PROTOCOL 2.4).
 * @param {Env['fetch']} fetch
 * @param {string} base
 * @param {string} token the JWT
 * @returns {Promise<string>}
 */
export async function fetchTicket(fetch, base, token) {
  if (!fetch) throw new MeshError(ClientErrorCodes.AUTH_FAILED, 'no fetch in this environment to get a ticket');
  let res;
  try {
    res = await fetch(`${base}/auth/ticket`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}` }, credentials: 'include', cache: 'no-store',
    });
  } catch (err) {
    throw new MeshError(ClientErrorCodes.NETWORK_ERROR, `POST /auth/ticket failed: ${/** @type {any} */ (err)?.message ?? err}`,
      { cause: err });
  }
  let body;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status !== 200 || typeof body?.ticket !== 'string') {
    const cause = body?.cause ? ` (${body.cause})` : '';
    throw new MeshError(res.status === 401 ? ClientErrorCodes.UNAUTHORIZED : ClientErrorCodes.TICKET_FAILED,
      `POST /auth/ticket answered ${res.status}${cause}`, { status: res.status, retryAfterMs: body?.retryAfterMs });
  }
  return body.ticket;
}
