/**
 * The edge node's behaviour, all on one event loop: admitting and closing connections, inbound
 * frames, subscriptions with the resume merge, outbound delivery with backpressure. {@link
 * dev.mesh.connection.edge.Edge} wires the parts.
 */
package dev.mesh.connection.edge;
