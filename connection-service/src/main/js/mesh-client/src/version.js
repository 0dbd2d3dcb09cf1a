/** Version of this client, equal to the Mesh version that serves it (/mesh-client.js and /mesh-client-<VERSION>.js). */
export const VERSION = '0.1.0-SNAPSHOT';

/** The wire protocol this client speaks (`welcome.protocol`). */
export const PROTOCOL_VERSION = 1;
