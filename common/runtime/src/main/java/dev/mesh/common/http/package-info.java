/**
 * What every Mesh HTTP server shares: deadlines on its connections (slow or idle clients are cut),
 * client addresses.
 */
package dev.mesh.common.http;
