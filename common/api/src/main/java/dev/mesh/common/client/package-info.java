/**
 * {@link dev.mesh.common.client.MeshBus}: the client library for JVM services that integrate with
 * Mesh over the event bus. It needs only this module (the contract jar) and its dependencies on the
 * classpath.
 */
package dev.mesh.common.client;
