// The client under test: the package's ES modules, or with MESH_CLIENT=served the assembled /mesh-client.js that
// connection-service serves. `npm test` runs the unit tests against both.
const served = process.env.MESH_CLIENT === 'served';
const module = await import(served
  ? '../../main/resources/webroot/mesh-client.js'
  : '../../main/js/mesh-client/src/index.js');

export const {
  MeshClient, MeshError, VERSION, PROTOCOL_VERSION, STATES, DEFAULTS, CloseCodes, ErrorCodes, ClientErrorCodes,
  UnsubscribeReasons, backoffDelay, reconnectDelay, randomId, formatResumeToken, parseResumeToken, shouldReconnect,
} = module;
export { served, module };
