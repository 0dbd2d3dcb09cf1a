/**
 * mesh-client: the browser client of Mesh, protocol 1 (docs/PROTOCOL.md).
 *
 * ES modules without dependencies, for browsers and Node 20. Everything it touches in its environment (WebSocket,
 * EventSource, fetch, timers, random numbers, sessionStorage, window, document) can be injected through the options,
 * which is how the unit tests fake them.
 *
 *   import { MeshClient } from '/mesh-client.js';
 *   const mesh = new MeshClient({ sessionId, getToken: () => myToken() });
 *   mesh.on('state', ({ state, reason, delayMs }) => banner(state, reason, delayMs));
 *   mesh.on('event', (e) => render(e));          // return a Promise to delay the ack of a critical event
 *   mesh.connect();
 *   await mesh.subscribe('chat:lobby', { presence: true, info: { name: 'Alice' } });
 *   await mesh.publish('chat:lobby', { text: 'hello' });
 *
 * This file is the public entry: it lists everything the package exports. connection-service serves the same API as
 * one file, /mesh-client.js, assembled from these modules (connection-service/src/main/js/README.md).
 */

export { VERSION, PROTOCOL_VERSION } from './version.js';
export { STATES, MeshClient } from './client.js';
export { DEFAULTS } from './options.js';
export {
  CloseCodes, ErrorCodes, ClientErrorCodes, UnsubscribeReasons, MeshError, shouldReconnect,
} from './codes.js';
export { backoffDelay, reconnectDelay } from './backoff.js';
export { randomId } from './util.js';
export { formatResumeToken, parseResumeToken } from './sse.js';
export { UNBORN_EPOCH } from './subscriptions.js';
